using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.31.0, step 1: a send whose sender slot is far off is parked in <c>outbound_holds</c> with the reason
/// <c>sender_pace</c> instead of holding a worker while it waits. The new CHECK is added NOT VALID and validated apart, so the
/// table is not locked while its rows are read.
/// </summary>
[ReleaseMigration(1, 31, 0, 1, "outbound_holds may hold a send for its sender's pace")]
public sealed class M1_31_0_ParkForSenderPace : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE outbound_holds DROP CONSTRAINT IF EXISTS outbound_holds_reason_check;
            ALTER TABLE outbound_holds ADD CONSTRAINT outbound_holds_reason_check
                CHECK (reason IN ('send_at', 'quiet_hours', 'batch_paused', 'sender_pace')) NOT VALID;
            ALTER TABLE outbound_holds VALIDATE CONSTRAINT outbound_holds_reason_check;
            """);
    }

    // Parked sends stay (they are requests on their way); the older rule applies to new rows only.
    public override void Down() => Execute.Sql("""
        ALTER TABLE outbound_holds DROP CONSTRAINT IF EXISTS outbound_holds_reason_check;
        ALTER TABLE outbound_holds ADD CONSTRAINT outbound_holds_reason_check
            CHECK (reason IN ('send_at', 'quiet_hours', 'batch_paused')) NOT VALID;
        """);
}
