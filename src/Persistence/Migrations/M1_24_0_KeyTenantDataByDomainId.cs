using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.24.0, "tenants by id": a domain's name is only its label. Each domain gets an immutable id, and its data
/// (requests, sessions, opt-outs, credit account, ledger, reservations, batches) carries that id, so a deleted domain's history
/// stays for audit under its old id and a domain created again under the same name starts empty.
/// <list type="bullet">
/// <item>Deleting a domain moves its row to <c>deleted_domains</c> (id, name, when) and removes it from <c>domains</c>.</item>
/// <item>A trigger fills <c>domain_id</c> from the live domain of that name on insert, so every writer (and a service still
///   running the previous release during a rolling deploy) attaches new rows to the right tenant without naming the id.</item>
/// <item><c>domains.generation</c> counts earlier domains of the same name: ids the API derives from a domain's name
///   (batch ids, idempotency scopes) include it from the first re-creation on, and stay as they were for generation 0.</item>
/// <item>Rows of names deleted before this release get a tombstone in <c>deleted_domains</c>, so they are nobody's live data.</item>
/// </list>
/// </summary>
[ReleaseMigration(1, 24, 0, 1, "key tenant data by an immutable domain id")]
public sealed class M1_24_0_KeyTenantDataByDomainId : Migration
{
    private static readonly string[] TenantTables =
        ["call_logs", "sms_sessions", "opt_outs", "credit_accounts", "credit_ledger", "credit_reservations", "batches"];

    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE domains ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(), ADD COLUMN generation integer NOT NULL DEFAULT 0;
            ALTER TABLE domains ADD CONSTRAINT domains_id_unique UNIQUE (id);

            CREATE TABLE deleted_domains (
                id                uuid PRIMARY KEY,
                name              varchar(200) NOT NULL,
                generation        integer      NOT NULL DEFAULT 0,
                created_at        timestamptz,
                deleted_at        timestamptz  NOT NULL DEFAULT now(),
                credits_enforced  boolean
            );
            CREATE INDEX deleted_domains_name ON deleted_domains (name, deleted_at DESC);
            COMMENT ON TABLE deleted_domains IS 'Domains that were deleted: their data keeps their id, readable by admins only. Secrets are not kept.';

            CREATE FUNCTION aventora_domain_id(p_name varchar) RETURNS uuid
            LANGUAGE sql STABLE AS $fn$ SELECT id FROM domains WHERE name = p_name $fn$;
            COMMENT ON FUNCTION aventora_domain_id IS 'The id of the live domain of that name; null for none (and for requests without a domain).';

            CREATE FUNCTION aventora_set_domain_id() RETURNS trigger
            LANGUAGE plpgsql AS $fn$
            BEGIN
                IF NEW.domain_id IS NULL AND NEW.domain_name IS NOT NULL AND NEW.domain_name <> '' THEN
                    NEW.domain_id := aventora_domain_id(NEW.domain_name);
                END IF;
                RETURN NEW;
            END
            $fn$;

            CREATE FUNCTION aventora_set_domain_generation() RETURNS trigger
            LANGUAGE plpgsql AS $fn$
            BEGIN
                NEW.generation := (SELECT count(*) FROM deleted_domains WHERE name = NEW.name);
                RETURN NEW;
            END
            $fn$;
            CREATE TRIGGER domains_generation BEFORE INSERT ON domains FOR EACH ROW EXECUTE FUNCTION aventora_set_domain_generation();
            """);

        foreach (var table in TenantTables)
        {
            Execute.Sql($"""
                ALTER TABLE {table} ADD COLUMN domain_id uuid;
                CREATE TRIGGER {table}_domain_id BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION aventora_set_domain_id();
                """);
        }

        // Names that hold data but no longer name a domain were deleted before ids existed: one tombstone per name.
        Execute.Sql($"""
            INSERT INTO deleted_domains (id, name, deleted_at)
            SELECT gen_random_uuid(), n.name, now()
            FROM ({string.Join(" UNION ", TenantTables.Select(t => $"SELECT DISTINCT domain_name AS name FROM {t}"))}) n
            WHERE n.name IS NOT NULL AND n.name <> '' AND NOT EXISTS (SELECT 1 FROM domains d WHERE d.name = n.name);
            UPDATE domains d SET generation = (SELECT count(*) FROM deleted_domains x WHERE x.name = d.name);
            """);
        foreach (var table in TenantTables)
        {
            Execute.Sql($"""
                UPDATE {table} t SET domain_id = COALESCE(
                    (SELECT d.id FROM domains d WHERE d.name = t.domain_name),
                    (SELECT x.id FROM deleted_domains x WHERE x.name = t.domain_name))
                WHERE t.domain_name IS NOT NULL AND t.domain_name <> '';
                """);
        }

        // What was unique per domain name is now unique per tenant (name and id; no id for requests without a domain).
        Execute.Sql("""
            CREATE INDEX call_logs_domain_id_created ON call_logs (domain_id, created_at DESC);

            ALTER TABLE sms_sessions DROP CONSTRAINT sms_sessions_one_per_person;
            CREATE UNIQUE INDEX sms_sessions_one_per_person ON sms_sessions (domain_name, domain_id, channel, phone_number) NULLS NOT DISTINCT;

            ALTER TABLE opt_outs DROP CONSTRAINT opt_outs_pkey;
            CREATE UNIQUE INDEX opt_outs_one_per_person ON opt_outs (domain_name, domain_id, phone_number) NULLS NOT DISTINCT;

            ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_domain_name_fkey;
            ALTER TABLE credit_reservations DROP CONSTRAINT credit_reservations_domain_name_fkey;
            ALTER TABLE credit_accounts DROP CONSTRAINT credit_accounts_pkey;
            CREATE UNIQUE INDEX credit_accounts_one_per_tenant ON credit_accounts (domain_name, domain_id) NULLS NOT DISTINCT;
            CREATE INDEX credit_ledger_domain_id_newest ON credit_ledger (domain_id, seq DESC);

            DROP INDEX batches_domain_client_batch_id;
            CREATE UNIQUE INDEX batches_domain_client_batch_id ON batches (domain_name, domain_id, client_batch_id) NULLS NOT DISTINCT;
            """);

        // The credit functions find the account of the live domain; usage and release follow the request's own tenant, so a
        // late callback of a deleted domain's call never bills the domain that took its name.
        Execute.Sql("""
            CREATE OR REPLACE FUNCTION aventora_reserve_credits(p_domain varchar, p_request uuid, p_credits integer)
            RETURNS TABLE (reserved boolean, enforced boolean, available bigint)
            LANGUAGE plpgsql AS $fn$
            #variable_conflict use_column
            DECLARE
                v_id       uuid := aventora_domain_id(p_domain);
                v_balance  bigint;
                v_reserved bigint;
            BEGIN
                IF NOT COALESCE((SELECT d.credits_enforced FROM domains d WHERE d.name = p_domain), true) THEN
                    RETURN QUERY SELECT true, false, 0::bigint; RETURN;
                END IF;
                SELECT a.balance, a.reserved INTO v_balance, v_reserved FROM credit_accounts a
                WHERE a.domain_name = p_domain AND a.domain_id IS NOT DISTINCT FROM v_id FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO credit_accounts (domain_name, domain_id) VALUES (p_domain, v_id) ON CONFLICT DO NOTHING;
                    SELECT a.balance, a.reserved INTO v_balance, v_reserved FROM credit_accounts a
                    WHERE a.domain_name = p_domain AND a.domain_id IS NOT DISTINCT FROM v_id FOR UPDATE;
                END IF;
                IF EXISTS (SELECT 1 FROM credit_reservations r WHERE r.request_id = p_request) THEN
                    RETURN QUERY SELECT true, true, v_balance - v_reserved; RETURN;
                END IF;
                IF v_balance - v_reserved < p_credits THEN
                    RETURN QUERY SELECT false, true, v_balance - v_reserved; RETURN;
                END IF;
                INSERT INTO credit_reservations (request_id, domain_name, domain_id, credits) VALUES (p_request, p_domain, v_id, p_credits);
                UPDATE credit_accounts SET reserved = reserved + p_credits, updated_at = now()
                WHERE domain_name = p_domain AND domain_id IS NOT DISTINCT FROM v_id;
                RETURN QUERY SELECT true, true, v_balance - v_reserved - p_credits;
            END
            $fn$;

            CREATE OR REPLACE FUNCTION aventora_record_usage(
                p_entry uuid, p_domain varchar, p_kind varchar, p_credits integer, p_request uuid, p_channel varchar, p_type varchar,
                p_twilio_sid varchar, p_occurred_at timestamptz)
            RETURNS boolean
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_settled integer;
                v_id      uuid;
            BEGIN
                -- The tenant the request was made for: its reservation's, else its log's, else the live domain's.
                SELECT r.domain_id INTO v_id FROM credit_reservations r WHERE r.request_id = p_request;
                IF v_id IS NULL THEN SELECT c.domain_id INTO v_id FROM call_logs c WHERE c.id = p_request; END IF;
                IF v_id IS NULL THEN v_id := aventora_domain_id(p_domain); END IF;
                INSERT INTO credit_accounts (domain_name, domain_id) VALUES (p_domain, v_id) ON CONFLICT DO NOTHING;
                PERFORM 1 FROM credit_accounts WHERE domain_name = p_domain AND domain_id IS NOT DISTINCT FROM v_id FOR UPDATE;
                INSERT INTO credit_ledger (entry_id, domain_name, domain_id, kind, credits, request_id, channel, type, twilio_sid, occurred_at)
                VALUES (p_entry, p_domain, v_id, p_kind, -p_credits, p_request, p_channel, p_type, p_twilio_sid, p_occurred_at)
                ON CONFLICT (entry_id) DO NOTHING;
                IF NOT FOUND THEN RETURN false; END IF;
                UPDATE credit_reservations SET state = 'settled', closed_at = now()
                WHERE request_id = p_request AND state = 'held' RETURNING credits INTO v_settled;
                UPDATE credit_accounts SET balance = balance - p_credits, reserved = reserved - COALESCE(v_settled, 0), updated_at = now()
                WHERE domain_name = p_domain AND domain_id IS NOT DISTINCT FROM v_id;
                RETURN true;
            END
            $fn$;

            CREATE OR REPLACE FUNCTION aventora_release_credits(p_request uuid)
            RETURNS boolean
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_domain   varchar;
                v_id       uuid;
                v_released integer;
            BEGIN
                SELECT r.domain_name, r.domain_id INTO v_domain, v_id FROM credit_reservations r WHERE r.request_id = p_request AND r.state = 'held';
                IF v_domain IS NULL THEN RETURN false; END IF;
                PERFORM 1 FROM credit_accounts WHERE domain_name = v_domain AND domain_id IS NOT DISTINCT FROM v_id FOR UPDATE;
                UPDATE credit_reservations SET state = 'released', closed_at = now()
                WHERE request_id = p_request AND state = 'held' RETURNING credits INTO v_released;
                IF v_released IS NULL THEN RETURN false; END IF;
                UPDATE credit_accounts SET reserved = reserved - v_released, updated_at = now()
                WHERE domain_name = v_domain AND domain_id IS NOT DISTINCT FROM v_id;
                RETURN true;
            END
            $fn$;
            """);
    }

    /// <summary>
    /// Back to tenant data keyed by name. It fails (and changes nothing) when a name was created again after a delete, since
    /// two tenants' rows cannot share one name key; deleted domains' ids are forgotten.
    /// </summary>
    public override void Down()
    {
        foreach (var table in TenantTables)
        {
            Execute.Sql($"DROP TRIGGER {table}_domain_id ON {table};");
        }
        Execute.Sql("""
            DROP INDEX batches_domain_client_batch_id;
            CREATE UNIQUE INDEX batches_domain_client_batch_id ON batches (domain_name, client_batch_id);

            DROP INDEX credit_ledger_domain_id_newest;
            DROP INDEX credit_accounts_one_per_tenant;
            ALTER TABLE credit_accounts ADD CONSTRAINT credit_accounts_pkey PRIMARY KEY (domain_name);
            ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_domain_name_fkey FOREIGN KEY (domain_name) REFERENCES credit_accounts (domain_name);
            ALTER TABLE credit_reservations ADD CONSTRAINT credit_reservations_domain_name_fkey FOREIGN KEY (domain_name) REFERENCES credit_accounts (domain_name);

            DROP INDEX opt_outs_one_per_person;
            ALTER TABLE opt_outs ADD CONSTRAINT opt_outs_pkey PRIMARY KEY (domain_name, phone_number);

            DROP INDEX sms_sessions_one_per_person;
            ALTER TABLE sms_sessions ADD CONSTRAINT sms_sessions_one_per_person UNIQUE (domain_name, channel, phone_number);

            DROP INDEX call_logs_domain_id_created;
            """);
        Execute.Sql(M1_19_0_SendOnceAndCreditFunctions.CreditFunctions);
        foreach (var table in TenantTables)
        {
            Execute.Sql($"ALTER TABLE {table} DROP COLUMN domain_id;");
        }
        Execute.Sql("""
            DROP TRIGGER domains_generation ON domains;
            DROP FUNCTION aventora_set_domain_generation();
            DROP FUNCTION aventora_set_domain_id();
            DROP FUNCTION aventora_domain_id(varchar);
            DROP TABLE deleted_domains;
            ALTER TABLE domains DROP CONSTRAINT domains_id_unique, DROP COLUMN id, DROP COLUMN generation;
            """);
    }
}
