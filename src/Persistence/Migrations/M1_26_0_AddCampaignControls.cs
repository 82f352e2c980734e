using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.26.0, "campaign controls": per-sender pacing shared by every worker copy (<c>sender_pacing</c>: the next free
/// send slot of a number, advanced atomically), requests held until a time (<c>outbound_holds</c>: <c>send_at</c>, quiet
/// hours, a paused batch; released by a scheduler that leases due rows with FOR UPDATE SKIP LOCKED), and a batch's control
/// state (running, paused, cancelled), apart from its publishing status.
/// </summary>
[ReleaseMigration(1, 26, 0, 1, "add sender pacing, outbound holds and batch controls")]
public sealed class M1_26_0_AddCampaignControls : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE sender_pacing (
                sender_number    varchar(40)  PRIMARY KEY,
                next_slot_at     timestamptz  NOT NULL,
                throttled_until  timestamptz,
                throttle_count   bigint       NOT NULL DEFAULT 0 CHECK (throttle_count >= 0),
                updated_at       timestamptz  NOT NULL DEFAULT now());
            COMMENT ON TABLE sender_pacing IS 'One row per sender number: the earliest time its next create call may go to Twilio. Every worker copy takes its slot here (one UPDATE), so the rate holds across copies.';
            COMMENT ON COLUMN sender_pacing.throttled_until IS 'Twilio answered 429/20429 for this sender: slots are spaced wider until then.';

            CREATE TABLE outbound_holds (
                request_id    uuid         PRIMARY KEY,
                domain_name   text,
                batch_id      uuid,
                message_kind  varchar(30)  NOT NULL CHECK (message_kind IN ('outbound_requested', 'send_message', 'place_call')),
                message       jsonb        NOT NULL,
                due_at        timestamptz  NOT NULL,
                reason        varchar(30)  NOT NULL CHECK (reason IN ('send_at', 'quiet_hours', 'batch_paused')),
                leased_until  timestamptz,
                created_at    timestamptz  NOT NULL DEFAULT now());
            CREATE INDEX outbound_holds_due ON outbound_holds (due_at);
            CREATE INDEX outbound_holds_batch ON outbound_holds (batch_id) WHERE batch_id IS NOT NULL;
            COMMENT ON TABLE outbound_holds IS 'Requests waiting for a time (send_at, the recipient''s quiet hours) or for a paused batch to resume. The scheduler leases due rows (leased_until) and publishes message again; the consumer deletes the row as it takes the request on. A row not yet leased can be cancelled.';

            ALTER TABLE batches ADD COLUMN control varchar(20) NOT NULL DEFAULT 'running'
                CONSTRAINT batches_control_valid CHECK (control IN ('running', 'paused', 'cancelled'));
            COMMENT ON COLUMN batches.control IS 'running, paused (rows not yet sent wait in outbound_holds), cancelled (rows not yet sent end cancelled). Set by POST /batches/{id}/pause|resume|cancel.';

            ALTER TABLE call_logs ADD COLUMN send_at timestamptz;
            COMMENT ON COLUMN call_logs.send_at IS 'When the request is to go (send_at, or the opening of the recipient''s sending window); NULL for at once.';
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            ALTER TABLE call_logs DROP COLUMN send_at;
            ALTER TABLE batches DROP COLUMN control;
            DROP TABLE outbound_holds;
            DROP TABLE sender_pacing;
            """);
    }
}
