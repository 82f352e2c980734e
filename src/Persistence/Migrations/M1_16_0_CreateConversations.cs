using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>Release 1.16.0: message sessions (sms and wmsg share one table), transcripts of every conversation, opt-outs.</summary>
[ReleaseMigration(1, 16, 0, 1, "create sms_sessions, conversation_turns and opt_outs")]
public sealed class M1_16_0_CreateConversations : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            -- A person who writes first starts a conversation of their own: it is logged like a request.
            ALTER TABLE call_logs DROP CONSTRAINT call_logs_source_check;
            ALTER TABLE call_logs ADD CONSTRAINT call_logs_source_check CHECK (source IN ('api', 'csv', 'email', 'inbound'));

            CREATE TABLE sms_sessions (
                id               uuid PRIMARY KEY,
                domain_name      varchar(200) NOT NULL DEFAULT '',
                channel          varchar(20)  NOT NULL CHECK (channel IN ('sms', 'wmsg')),
                phone_number     varchar(20)  NOT NULL CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
                sender_number    varchar(20)  NOT NULL,
                request_id       uuid         REFERENCES call_logs (id) ON DELETE SET NULL,
                type             varchar(100) NOT NULL,
                instruction      text         NOT NULL,
                name             varchar(200),
                state            varchar(20)  NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
                last_inbound_at  timestamptz,
                created_at       timestamptz  NOT NULL DEFAULT now(),
                updated_at       timestamptz  NOT NULL DEFAULT now(),
                CONSTRAINT sms_sessions_one_per_person UNIQUE (domain_name, channel, phone_number)
            );
            COMMENT ON TABLE sms_sessions IS 'One conversation per domain, channel (sms or wmsg) and number; domain_name is empty for requests without a domain.';
            COMMENT ON COLUMN sms_sessions.last_inbound_at IS 'When the person last wrote: opens WhatsApp''s 24-hour customer-service window.';

            CREATE TABLE conversation_turns (
                id           bigserial PRIMARY KEY,
                request_id   uuid         NOT NULL REFERENCES call_logs (id) ON DELETE CASCADE,
                speaker      varchar(20)  NOT NULL CHECK (speaker IN ('assistant', 'person')),
                text         text         NOT NULL,
                twilio_sid   varchar(64),
                in_reply_to  varchar(64),
                created_at   timestamptz  NOT NULL DEFAULT now()
            );
            CREATE INDEX conversation_turns_request ON conversation_turns (request_id, id);
            CREATE UNIQUE INDEX conversation_turns_person_sid ON conversation_turns (twilio_sid) WHERE speaker = 'person' AND twilio_sid IS NOT NULL;
            CREATE UNIQUE INDEX conversation_turns_one_reply ON conversation_turns (in_reply_to) WHERE in_reply_to IS NOT NULL;
            COMMENT ON COLUMN conversation_turns.in_reply_to IS 'The person''s message (or call turn) this assistant turn answers: one reply each, however often it is redelivered.';

            CREATE TABLE opt_outs (
                domain_name    varchar(200) NOT NULL DEFAULT '',
                phone_number   varchar(20)  NOT NULL,
                source         varchar(40)  NOT NULL CHECK (source IN ('keyword', 'twilio_21610')),
                opted_out_at   timestamptz  NOT NULL DEFAULT now(),
                PRIMARY KEY (domain_name, phone_number)
            );
            COMMENT ON TABLE opt_outs IS 'Numbers that said STOP (or that Twilio reports unsubscribed) for a domain: nothing is sent to them until they say START.';
            """);
    }

    public override void Down()
    {
        Delete.Table("opt_outs");
        Delete.Table("conversation_turns");
        Delete.Table("sms_sessions");
    }
}
