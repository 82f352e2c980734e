using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.17.0, step 2: billing. The credit ledger (a domain's balance is the sum of its entries), the credits held for
/// requests on their way, one lockable row per domain that keeps both totals, and each domain's enforcement switch.
/// </summary>
[ReleaseMigration(1, 17, 0, 2, "create credit ledger and reservations")]
public sealed class M1_17_0_CreateCreditLedger : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE domains ADD COLUMN credits_enforced boolean NOT NULL DEFAULT true;
            COMMENT ON COLUMN domains.credits_enforced IS 'When true (the default) a request the domain cannot pay for ends as insufficient_credits and nothing is sent.';

            CREATE TABLE credit_accounts (
                domain_name  varchar(200) PRIMARY KEY,
                balance      bigint       NOT NULL DEFAULT 0,
                reserved     bigint       NOT NULL DEFAULT 0 CONSTRAINT credit_accounts_reserved_not_negative CHECK (reserved >= 0),
                updated_at   timestamptz  NOT NULL DEFAULT now()
            );
            COMMENT ON TABLE credit_accounts IS 'One row per billed domain, locked (SELECT ... FOR UPDATE) by every change to its credits. balance equals the sum of its credit_ledger entries; reserved the sum of its held credit_reservations.';

            CREATE TABLE credit_ledger (
                seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                entry_id     uuid         NOT NULL CONSTRAINT credit_ledger_entry_id_unique UNIQUE,
                domain_name  varchar(200) NOT NULL REFERENCES credit_accounts (domain_name),
                kind         varchar(20)  NOT NULL CONSTRAINT credit_ledger_kind_valid CHECK (kind IN ('grant', 'message', 'call')),
                credits      integer      NOT NULL,
                request_id   uuid,
                channel      varchar(20)  CONSTRAINT credit_ledger_channel_valid CHECK (channel IN ('phone', 'sms', 'wmsg', 'wvoice')),
                type         varchar(100),
                twilio_sid   varchar(64),
                reason       text,
                occurred_at  timestamptz  NOT NULL,
                recorded_at  timestamptz  NOT NULL DEFAULT now(),
                CONSTRAINT credit_ledger_sign CHECK ((kind = 'grant' AND credits > 0) OR (kind <> 'grant' AND credits <= 0)),
                CONSTRAINT credit_ledger_usage_has_request CHECK (kind = 'grant' OR (request_id IS NOT NULL AND channel IS NOT NULL)),
                CONSTRAINT credit_ledger_grant_has_reason CHECK (kind <> 'grant' OR length(trim(reason)) > 0)
            );
            CREATE INDEX credit_ledger_domain_newest ON credit_ledger (domain_name, seq DESC);
            COMMENT ON COLUMN credit_ledger.entry_id IS 'For usage, the UsageRecorded id (derived from the Twilio SID and kind): unique, so an act is billed once.';
            COMMENT ON COLUMN credit_ledger.credits IS 'Positive for grants, zero or negative for usage.';

            CREATE TABLE credit_reservations (
                request_id   uuid         PRIMARY KEY,
                domain_name  varchar(200) NOT NULL REFERENCES credit_accounts (domain_name),
                credits      integer      NOT NULL CONSTRAINT credit_reservations_credits_not_negative CHECK (credits >= 0),
                state        varchar(20)  NOT NULL DEFAULT 'held' CONSTRAINT credit_reservations_state_valid CHECK (state IN ('held', 'settled', 'released')),
                created_at   timestamptz  NOT NULL DEFAULT now(),
                closed_at    timestamptz,
                CONSTRAINT credit_reservations_closed CHECK ((state = 'held') = (closed_at IS NULL))
            );
            CREATE INDEX credit_reservations_held ON credit_reservations (domain_name) WHERE state = 'held';
            COMMENT ON TABLE credit_reservations IS 'Credits held for a request from dispatch until its usage settles them or its failure releases them.';
            """);
    }

    public override void Down()
    {
        Delete.Table("credit_reservations");
        Delete.Table("credit_ledger");
        Delete.Table("credit_accounts");
        Execute.Sql("ALTER TABLE domains DROP COLUMN credits_enforced;");
    }
}
