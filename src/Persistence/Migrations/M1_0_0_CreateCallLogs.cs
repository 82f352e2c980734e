using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>Release 1.0.0: the request log. Its channels are those of the release (sms, phone); 1.15.0 adds WhatsApp's.</summary>
[ReleaseMigration(1, 0, 0, 1, "create call_logs")]
public sealed class M1_0_0_CreateCallLogs : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE call_logs (
                id             uuid PRIMARY KEY,
                domain_name    varchar(200),
                channel        varchar(20)  NOT NULL,
                phone_number   varchar(20)  NOT NULL CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
                type           varchar(100) NOT NULL,
                instruction    text         NOT NULL,
                name           varchar(200),
                email          varchar(320),
                source         varchar(20)  NOT NULL CHECK (source IN ('api', 'csv', 'email')),
                status         varchar(40)  NOT NULL,
                twilio_sid     varchar(64),
                twilio_status  varchar(40),
                error_code     varchar(40),
                error_message  text,
                created_at     timestamptz  NOT NULL DEFAULT now(),
                updated_at     timestamptz  NOT NULL DEFAULT now(),
                CONSTRAINT call_logs_channel_valid CHECK (channel IN ('sms', 'phone'))
            );
            CREATE INDEX call_logs_domain_created ON call_logs (domain_name, created_at DESC);
            CREATE UNIQUE INDEX call_logs_twilio_sid ON call_logs (twilio_sid) WHERE twilio_sid IS NOT NULL;
            COMMENT ON COLUMN call_logs.channel IS 'Channel of the request: sms (text message) or phone (voice call).';
            COMMENT ON COLUMN call_logs.status IS 'Lifecycle: received, routed, sending, sent, queued, delivered, failed, ...';
            """);
    }

    public override void Down() => Delete.Table("call_logs");
}
