using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.19.0: what sending at most once and holding up under load need.
/// <list type="bullet">
/// <item>call_logs remembers when a send attempt began and from which account and number, so a reconciler can ask Twilio about an
/// attempt whose outcome was lost, and a lease so that only one reconciler instance looks at a row at a time.</item>
/// <item>Credit changes become one server-side function call each: the domain's account row is locked for microseconds inside
/// one statement instead of across several client round trips, so one domain's campaign is no longer decided one request at a time.</item>
/// </list>
/// </summary>
[ReleaseMigration(1, 19, 0, 1, "send once: attempt columns, reconciler lease, credit functions")]
public sealed class M1_19_0_SendOnceAndCreditFunctions : Migration
{
    /// <summary>The credit functions as 1.19.0 wrote them (1.24.0 replaces them, and puts these back when migrated down).</summary>
    internal const string CreditFunctions = """
            CREATE OR REPLACE FUNCTION aventora_reserve_credits(p_domain varchar, p_request uuid, p_credits integer)
            RETURNS TABLE (reserved boolean, enforced boolean, available bigint)
            LANGUAGE plpgsql AS $fn$
            #variable_conflict use_column
            DECLARE
                v_balance  bigint;
                v_reserved bigint;
            BEGIN
                IF NOT COALESCE((SELECT d.credits_enforced FROM domains d WHERE d.name = p_domain), true) THEN
                    RETURN QUERY SELECT true, false, 0::bigint; RETURN;
                END IF;
                SELECT a.balance, a.reserved INTO v_balance, v_reserved FROM credit_accounts a WHERE a.domain_name = p_domain FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO credit_accounts (domain_name) VALUES (p_domain) ON CONFLICT (domain_name) DO NOTHING;
                    SELECT a.balance, a.reserved INTO v_balance, v_reserved FROM credit_accounts a WHERE a.domain_name = p_domain FOR UPDATE;
                END IF;
                IF EXISTS (SELECT 1 FROM credit_reservations r WHERE r.request_id = p_request) THEN
                    RETURN QUERY SELECT true, true, v_balance - v_reserved; RETURN;
                END IF;
                IF v_balance - v_reserved < p_credits THEN
                    RETURN QUERY SELECT false, true, v_balance - v_reserved; RETURN;
                END IF;
                INSERT INTO credit_reservations (request_id, domain_name, credits) VALUES (p_request, p_domain, p_credits);
                UPDATE credit_accounts SET reserved = reserved + p_credits, updated_at = now() WHERE domain_name = p_domain;
                RETURN QUERY SELECT true, true, v_balance - v_reserved - p_credits;
            END
            $fn$;
            COMMENT ON FUNCTION aventora_reserve_credits IS 'Holds p_credits of the domain''s available credits for the request (once per request), under the account row''s lock for the length of one statement.';

            CREATE OR REPLACE FUNCTION aventora_record_usage(
                p_entry uuid, p_domain varchar, p_kind varchar, p_credits integer, p_request uuid, p_channel varchar, p_type varchar,
                p_twilio_sid varchar, p_occurred_at timestamptz)
            RETURNS boolean
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_settled integer;
            BEGIN
                INSERT INTO credit_accounts (domain_name) VALUES (p_domain) ON CONFLICT (domain_name) DO NOTHING;
                PERFORM 1 FROM credit_accounts WHERE domain_name = p_domain FOR UPDATE;
                INSERT INTO credit_ledger (entry_id, domain_name, kind, credits, request_id, channel, type, twilio_sid, occurred_at)
                VALUES (p_entry, p_domain, p_kind, -p_credits, p_request, p_channel, p_type, p_twilio_sid, p_occurred_at)
                ON CONFLICT (entry_id) DO NOTHING;
                IF NOT FOUND THEN RETURN false; END IF;
                UPDATE credit_reservations SET state = 'settled', closed_at = now()
                WHERE request_id = p_request AND state = 'held' RETURNING credits INTO v_settled;
                UPDATE credit_accounts SET balance = balance - p_credits, reserved = reserved - COALESCE(v_settled, 0), updated_at = now()
                WHERE domain_name = p_domain;
                RETURN true;
            END
            $fn$;
            COMMENT ON FUNCTION aventora_record_usage IS 'Writes a usage to the ledger once (entry_id is unique) and settles the request''s held reservation; false for a repeat.';

            CREATE OR REPLACE FUNCTION aventora_release_credits(p_request uuid)
            RETURNS boolean
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_domain   varchar;
                v_released integer;
            BEGIN
                SELECT r.domain_name INTO v_domain FROM credit_reservations r WHERE r.request_id = p_request AND r.state = 'held';
                IF v_domain IS NULL THEN RETURN false; END IF;
                PERFORM 1 FROM credit_accounts WHERE domain_name = v_domain FOR UPDATE;
                UPDATE credit_reservations SET state = 'released', closed_at = now()
                WHERE request_id = p_request AND state = 'held' RETURNING credits INTO v_released;
                IF v_released IS NULL THEN RETURN false; END IF;
                UPDATE credit_accounts SET reserved = reserved - v_released, updated_at = now() WHERE domain_name = v_domain;
                RETURN true;
            END
            $fn$;
            COMMENT ON FUNCTION aventora_release_credits IS 'Gives a request''s held credits back; false when nothing was held (already settled or released).';
        """;

    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE call_logs
                ADD COLUMN attempt_started_at   timestamptz,
                ADD COLUMN attempt_account_sid  varchar(34),
                ADD COLUMN attempt_from         varchar(20),
                ADD COLUMN reconcile_after      timestamptz;
            COMMENT ON COLUMN call_logs.attempt_started_at IS 'When the worker claimed the request to call Twilio (status sending). The reconciler looks for Twilio resources created from then on.';
            COMMENT ON COLUMN call_logs.attempt_account_sid IS 'The Twilio account the send attempt used (not secret): the account the reconciler asks.';
            COMMENT ON COLUMN call_logs.attempt_from IS 'The sender number (E.164) the send attempt used.';
            COMMENT ON COLUMN call_logs.reconcile_after IS 'Lease and schedule of the reconciler: the row is not looked at again before this time.';
            COMMENT ON COLUMN call_logs.status IS 'Lifecycle: received, routed, sending, unconfirmed (Twilio may have created it; the reconciler decides), then Twilio''s statuses, or failed, opted_out, insufficient_credits.';
            CREATE INDEX call_logs_unsettled ON call_logs (updated_at)
                WHERE status IN ('sending', 'unconfirmed', 'accepted', 'scheduled', 'queued', 'sent', 'initiated', 'ringing', 'in-progress');
            CREATE INDEX credit_reservations_held_since ON credit_reservations (created_at) WHERE state = 'held';

            """);
        Execute.Sql(CreditFunctions);
    }

    public override void Down()
    {
        Execute.Sql("""
            DROP FUNCTION aventora_release_credits(uuid);
            DROP FUNCTION aventora_record_usage(uuid, varchar, varchar, integer, uuid, varchar, varchar, varchar, timestamptz);
            DROP FUNCTION aventora_reserve_credits(varchar, uuid, integer);
            DROP INDEX credit_reservations_held_since;
            DROP INDEX call_logs_unsettled;
            ALTER TABLE call_logs DROP COLUMN attempt_started_at, DROP COLUMN attempt_account_sid, DROP COLUMN attempt_from, DROP COLUMN reconcile_after;
            """);
    }
}
