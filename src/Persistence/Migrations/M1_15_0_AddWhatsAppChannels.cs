using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.15.0, "add WhatsApp channels": call_logs.channel accepts wmsg and wvoice beside sms and phone,
/// and email_pull_configs.default_channel is held to the same four.
/// </summary>
[ReleaseMigration(1, 15, 0, 1, "add WhatsApp channels")]
public sealed class M1_15_0_AddWhatsAppChannels : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE call_logs DROP CONSTRAINT call_logs_channel_valid;
            ALTER TABLE call_logs ADD CONSTRAINT call_logs_channel_valid CHECK (channel IN ('phone', 'sms', 'wmsg', 'wvoice'));
            COMMENT ON COLUMN call_logs.channel IS 'Channel of the request: phone (voice call), sms (text message), wmsg (WhatsApp message), wvoice (WhatsApp voice call).';

            CREATE TABLE email_pull_configs (
                id               uuid PRIMARY KEY,
                domain_name      varchar(200) NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
                imap_host        varchar(255) NOT NULL,
                imap_port        integer      NOT NULL CHECK (imap_port BETWEEN 1 AND 65535),
                tls_mode         varchar(20)  NOT NULL DEFAULT 'ssl' CHECK (tls_mode IN ('none', 'ssl', 'starttls')),
                username         varchar(320) NOT NULL,
                password         text         NOT NULL,
                folder           varchar(255) NOT NULL DEFAULT 'INBOX',
                default_channel  varchar(20)  NOT NULL DEFAULT 'sms',
                default_type     varchar(100) NOT NULL DEFAULT 'informational',
                poll_interval_seconds integer NOT NULL DEFAULT 60 CHECK (poll_interval_seconds BETWEEN 5 AND 86400),
                enabled          boolean      NOT NULL DEFAULT true,
                created_at       timestamptz  NOT NULL DEFAULT now(),
                updated_at       timestamptz  NOT NULL DEFAULT now(),
                CONSTRAINT email_pull_configs_default_channel_valid CHECK (default_channel IN ('phone', 'sms', 'wmsg', 'wvoice'))
            );
            COMMENT ON COLUMN email_pull_configs.default_channel IS 'Channel for mails that name none: phone, sms, wmsg (WhatsApp message) or wvoice (WhatsApp voice call).';
            COMMENT ON COLUMN email_pull_configs.password IS 'Mailbox password: a secret, write-only through the API, never logged.';
            """);
    }

    public override void Down()
    {
        Delete.Table("email_pull_configs");
        Execute.Sql("""
            ALTER TABLE call_logs DROP CONSTRAINT call_logs_channel_valid;
            ALTER TABLE call_logs ADD CONSTRAINT call_logs_channel_valid CHECK (channel IN ('sms', 'phone'));
            """);
    }
}
