using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.30.0, step 1: answering machine detection on phone calls. <c>answered_by</c> is what Twilio's detection reported
/// (human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax, unknown); <c>machine_action</c> what
/// Aventora did about a machine or fax: <c>voicemail</c> (left the domain's message) or <c>hangup</c>.
/// </summary>
[ReleaseMigration(1, 30, 0, 1, "add call_logs.answered_by and machine_action")]
public sealed class M1_30_0_AddAnsweredBy : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE call_logs
                ADD COLUMN answered_by text CONSTRAINT call_logs_answered_by_valid CHECK (answered_by IN
                    ('human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown')),
                ADD COLUMN machine_action text CONSTRAINT call_logs_machine_action_valid CHECK (machine_action IN ('voicemail', 'hangup'));
            COMMENT ON COLUMN call_logs.answered_by IS 'Who answered the call, as Twilio''s answering machine detection reported it; null without detection.';
            COMMENT ON COLUMN call_logs.machine_action IS 'What was done on a machine or fax answer: voicemail (the domain''s message was left) or hangup.';
            """);
    }

    public override void Down() => Execute.Sql("ALTER TABLE call_logs DROP COLUMN machine_action, DROP COLUMN answered_by;");
}
