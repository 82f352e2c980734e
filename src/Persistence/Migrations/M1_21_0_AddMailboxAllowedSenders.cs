using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.21.0, "tenant safety": a mailbox may name who may make its domain send (From addresses or @domains); until it
/// does, anyone who can email the mailbox can.
/// </summary>
[ReleaseMigration(1, 21, 0, 1, "add allowed senders to mailboxes")]
public sealed class M1_21_0_AddMailboxAllowedSenders : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE email_pull_configs ADD COLUMN allowed_senders text[] NOT NULL DEFAULT '{}';
            COMMENT ON COLUMN email_pull_configs.allowed_senders IS 'From addresses (jane@example.com) or mail domains (@example.com) whose mails are read; empty: anyone''s.';
            """);
    }

    public override void Down() => Execute.Sql("ALTER TABLE email_pull_configs DROP COLUMN allowed_senders;");
}
