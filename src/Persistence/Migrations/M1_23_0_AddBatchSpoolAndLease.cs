using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.23.0, "batches published in the background": a batch is answered once its file is spooled and its rows
/// validated, then published by Ingress's background publisher. The batch keeps where its spooled file is, the line up to
/// which every good row is confirmed by the broker (a restart resumes after it), and a lease so that only one Ingress copy
/// publishes a batch at a time (taken with FOR UPDATE SKIP LOCKED, renewed as rows go out, taken over once it expires).
/// </summary>
[ReleaseMigration(1, 23, 0, 1, "add batch spool and publishing lease")]
public sealed class M1_23_0_AddBatchSpoolAndLease : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE batches
                ADD COLUMN spool_path             text,
                ADD COLUMN published_through_line integer NOT NULL DEFAULT 0
                    CONSTRAINT batches_published_through_line_not_negative CHECK (published_through_line >= 0),
                ADD COLUMN lease_owner            uuid,
                ADD COLUMN lease_until            timestamptz,
                ADD COLUMN waiting_reason         text;
            CREATE INDEX batches_publishing ON batches (created_at) WHERE status = 'publishing';
            COMMENT ON COLUMN batches.spool_path IS 'The spooled copy of the file the background publisher reads; deleted (and NULL) once the batch is published or failed.';
            COMMENT ON COLUMN batches.published_through_line IS 'Every good row up to this line is confirmed by the broker: publishing resumes after it.';
            COMMENT ON COLUMN batches.lease_owner IS 'The Ingress copy publishing the batch until lease_until; another copy takes it over once the lease has expired.';
            COMMENT ON COLUMN batches.waiting_reason IS 'Why a publishing batch is not moving (the broker is unavailable); NULL while rows go out.';
            COMMENT ON COLUMN batches.status IS 'publishing (validated, rows going out in the background), published (every good row confirmed by the broker), interrupted (before 1.22: broker failed), failed (see failure_reason; upload the same file again with the same batch id to send the rest)';
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            DROP INDEX batches_publishing;
            ALTER TABLE batches DROP COLUMN spool_path, DROP COLUMN published_through_line, DROP COLUMN lease_owner,
                                DROP COLUMN lease_until, DROP COLUMN waiting_reason;
            """);
    }
}
