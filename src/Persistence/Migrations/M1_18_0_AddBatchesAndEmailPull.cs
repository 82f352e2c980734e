using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.18.0, "CSV batches and email pull": the batches table, each request's batch and line in call_logs,
/// one mailbox per domain with its last poll, and the mails already turned into requests (claimed once, ever).
/// </summary>
[ReleaseMigration(1, 18, 0, 1, "add batches and email pull state")]
public sealed class M1_18_0_AddBatchesAndEmailPull : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE batches (
                id               uuid PRIMARY KEY,
                domain_name      varchar(200) NOT NULL,
                source           varchar(20)  NOT NULL CHECK (source IN ('api', 'drop', 'email')),
                file_name        varchar(400),
                default_channel  varchar(20)  CHECK (default_channel IN ('phone', 'sms', 'wmsg', 'wvoice')),
                status           varchar(20)  NOT NULL DEFAULT 'publishing' CHECK (status IN ('publishing', 'published', 'interrupted')),
                accepted_count   integer      NOT NULL DEFAULT 0 CHECK (accepted_count >= 0),
                rejected_count   integer      NOT NULL DEFAULT 0 CHECK (rejected_count >= 0),
                created_at       timestamptz  NOT NULL DEFAULT now(),
                updated_at       timestamptz  NOT NULL DEFAULT now()
            );
            CREATE INDEX batches_domain_created ON batches (domain_name, created_at DESC);
            COMMENT ON COLUMN batches.status IS 'publishing (rows going out), published (every good row confirmed by the broker), interrupted (broker failed; upload again with the same batch id)';

            ALTER TABLE call_logs ADD COLUMN batch_id uuid, ADD COLUMN line_number integer CHECK (line_number > 0);
            ALTER TABLE call_logs ADD CONSTRAINT call_logs_line_needs_batch CHECK (line_number IS NULL OR batch_id IS NOT NULL);
            CREATE INDEX call_logs_batch ON call_logs (batch_id, status) WHERE batch_id IS NOT NULL;

            CREATE UNIQUE INDEX email_pull_configs_domain ON email_pull_configs (domain_name);
            ALTER TABLE email_pull_configs ADD COLUMN last_polled_at timestamptz, ADD COLUMN last_error text;
            ALTER TABLE email_pull_configs ADD CONSTRAINT email_pull_configs_default_type_valid CHECK (default_type ~ '^[A-Za-z0-9_-]+$');

            CREATE TABLE email_pull_messages (
                id             uuid PRIMARY KEY,
                config_id      uuid         NOT NULL REFERENCES email_pull_configs (id) ON DELETE CASCADE,
                uid_validity   bigint       NOT NULL,
                uid            bigint       NOT NULL,
                message_id     varchar(998),
                status         varchar(20)  NOT NULL CHECK (status IN ('claimed', 'handled', 'rejected')),
                reason         text,
                request_count  integer      NOT NULL DEFAULT 0,
                claimed_at     timestamptz  NOT NULL DEFAULT now(),
                updated_at     timestamptz  NOT NULL DEFAULT now(),
                CONSTRAINT email_pull_messages_uid UNIQUE (config_id, uid_validity, uid)
            );
            CREATE UNIQUE INDEX email_pull_messages_message_id ON email_pull_messages (config_id, message_id) WHERE message_id IS NOT NULL;
            COMMENT ON TABLE email_pull_messages IS 'Each mail claimed before its requests are published: its id seeds their RequestIds, so a mail becomes requests once.';
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            DROP TABLE email_pull_messages;
            ALTER TABLE email_pull_configs DROP CONSTRAINT email_pull_configs_default_type_valid, DROP COLUMN last_polled_at, DROP COLUMN last_error;
            DROP INDEX email_pull_configs_domain;
            DROP INDEX call_logs_batch;
            ALTER TABLE call_logs DROP CONSTRAINT call_logs_line_needs_batch, DROP COLUMN batch_id, DROP COLUMN line_number;
            DROP TABLE batches;
            """);
    }
}
