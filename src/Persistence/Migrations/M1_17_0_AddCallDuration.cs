using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>Release 1.17.0, step 1: a call's duration as Twilio's completed callback reports it.</summary>
[ReleaseMigration(1, 17, 0, 1, "add call_logs.duration_seconds")]
public sealed class M1_17_0_AddCallDuration : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE call_logs ADD COLUMN duration_seconds integer CONSTRAINT call_logs_duration_not_negative CHECK (duration_seconds >= 0);
            COMMENT ON COLUMN call_logs.duration_seconds IS 'Seconds the call was connected (Twilio CallDuration); null for messages and calls not ended yet.';
            COMMENT ON COLUMN call_logs.status IS 'Lifecycle, never moving backwards: received, routed, sending, then Twilio''s (queued, sent, delivered, read | initiated, ringing, in-progress, completed), or a final failure (failed, undelivered, busy, no-answer, canceled, insufficient_credits).';
            """);
    }

    public override void Down() => Execute.Sql("ALTER TABLE call_logs DROP COLUMN duration_seconds;");
}
