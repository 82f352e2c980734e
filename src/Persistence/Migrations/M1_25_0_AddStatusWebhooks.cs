using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.25.0, "status webhooks to the customer": a domain's <c>status_webhook_url</c> and signing secret, and a delivery
/// row for every status change of its requests and every transcript turn added to them. The rows are written by triggers in
/// the same transaction as the change itself (a transactional outbox), so no path that moves a request (the dispatcher's
/// refusals, the send, Twilio's callbacks, the reconciler) can change a status without its event. Each request counts its
/// events in <c>call_logs.webhook_sequence</c>, which the row lock of the request keeps gap-free and ordered; a delivery is
/// sent only once every earlier one of its request is delivered (or given up).
/// </summary>
[ReleaseMigration(1, 25, 0, 1, "add status webhooks and their deliveries")]
public sealed class M1_25_0_AddStatusWebhooks : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE status_webhooks (
                domain_name        varchar(200) PRIMARY KEY,
                url                text         NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
                signing_secret     text         NOT NULL,
                created_at         timestamptz  NOT NULL DEFAULT now(),
                updated_at         timestamptz  NOT NULL DEFAULT now(),
                secret_rotated_at  timestamptz  NOT NULL DEFAULT now()
            );
            COMMENT ON TABLE status_webhooks IS 'Where a domain wants the status changes of its requests POSTed, signed with signing_secret.';
            COMMENT ON COLUMN status_webhooks.signing_secret IS 'The HMAC-SHA256 key, encrypted at rest (dp1: prefix, Data Protection); shown to the domain once.';

            ALTER TABLE call_logs ADD COLUMN webhook_sequence integer NOT NULL DEFAULT 0;
            COMMENT ON COLUMN call_logs.webhook_sequence IS 'How many status-webhook events the request has had: the sequence of the last one.';

            CREATE TABLE status_webhook_deliveries (
                id                uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
                domain_name       varchar(200) NOT NULL,
                request_id        uuid         NOT NULL,
                sequence          integer      NOT NULL CHECK (sequence > 0),
                event_type        varchar(40)  NOT NULL CHECK (event_type IN ('request.status', 'request.transcript')),
                payload           jsonb        NOT NULL,
                status            varchar(20)  NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failing', 'delivered', 'failed')),
                attempts          integer      NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                next_attempt_at   timestamptz  NOT NULL DEFAULT now(),
                lease_until       timestamptz,
                last_status_code  integer,
                last_error        text,
                created_at        timestamptz  NOT NULL DEFAULT now(),
                delivered_at      timestamptz,
                UNIQUE (request_id, sequence),
                CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
            );
            CREATE INDEX status_webhook_deliveries_due ON status_webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'failing');
            CREATE INDEX status_webhook_deliveries_domain ON status_webhook_deliveries (domain_name, created_at DESC);
            COMMENT ON COLUMN status_webhook_deliveries.status IS 'pending (not tried yet), failing (tried, will try again at next_attempt_at), delivered (the endpoint answered 2xx), failed (given up after StatusWebhooks:GiveUpAfter; may be retried through the API)';

            -- BEFORE: count the event on the request's own row; AFTER: write it once the row change really happened
            -- (an INSERT ... ON CONFLICT DO NOTHING fires BEFORE triggers for a row it then skips).
            CREATE FUNCTION status_webhook_count() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status)
                   AND NEW.domain_name IS NOT NULL
                   AND EXISTS (SELECT 1 FROM status_webhooks w WHERE w.domain_name = NEW.domain_name) THEN
                    NEW.webhook_sequence := COALESCE(OLD.webhook_sequence, 0) + 1;
                END IF;
                RETURN NEW;
            END $$;

            CREATE FUNCTION status_webhook_emit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.webhook_sequence > COALESCE(OLD.webhook_sequence, 0) AND (TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status) THEN
                    INSERT INTO status_webhook_deliveries (domain_name, request_id, sequence, event_type, payload)
                    VALUES (NEW.domain_name, NEW.id, NEW.webhook_sequence, 'request.status', jsonb_build_object(
                        'event', 'request.status', 'request_id', NEW.id, 'domain_name', NEW.domain_name, 'sequence', NEW.webhook_sequence,
                        'channel', NEW.channel, 'status', NEW.status, 'error_code', NEW.error_code, 'error_message', NEW.error_message,
                        'twilio_sid', NEW.twilio_sid, 'occurred_at', clock_timestamp(), 'transcript_turn', NULL));
                END IF;
                RETURN NULL;
            END $$;

            CREATE FUNCTION status_webhook_turn() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                request call_logs%ROWTYPE;
            BEGIN
                UPDATE call_logs c SET webhook_sequence = c.webhook_sequence + 1
                WHERE c.id = NEW.request_id AND EXISTS (SELECT 1 FROM status_webhooks w WHERE w.domain_name = c.domain_name)
                RETURNING c.* INTO request;
                IF FOUND THEN
                    INSERT INTO status_webhook_deliveries (domain_name, request_id, sequence, event_type, payload)
                    VALUES (request.domain_name, request.id, request.webhook_sequence, 'request.transcript', jsonb_build_object(
                        'event', 'request.transcript', 'request_id', request.id, 'domain_name', request.domain_name,
                        'sequence', request.webhook_sequence, 'channel', request.channel, 'status', request.status,
                        'error_code', request.error_code, 'error_message', request.error_message, 'twilio_sid', request.twilio_sid,
                        'occurred_at', clock_timestamp(),
                        'transcript_turn', jsonb_build_object('speaker', NEW.speaker, 'text', NEW.text, 'at', NEW.created_at)));
                END IF;
                RETURN NULL;
            END $$;

            CREATE TRIGGER call_logs_status_webhook_count BEFORE INSERT OR UPDATE OF status ON call_logs
                FOR EACH ROW EXECUTE FUNCTION status_webhook_count();
            CREATE TRIGGER call_logs_status_webhook_emit AFTER INSERT OR UPDATE OF status ON call_logs
                FOR EACH ROW EXECUTE FUNCTION status_webhook_emit();
            CREATE TRIGGER conversation_turns_status_webhook AFTER INSERT ON conversation_turns
                FOR EACH ROW EXECUTE FUNCTION status_webhook_turn();
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            DROP TRIGGER conversation_turns_status_webhook ON conversation_turns;
            DROP TRIGGER call_logs_status_webhook_emit ON call_logs;
            DROP TRIGGER call_logs_status_webhook_count ON call_logs;
            DROP FUNCTION status_webhook_turn();
            DROP FUNCTION status_webhook_emit();
            DROP FUNCTION status_webhook_count();
            DROP TABLE status_webhook_deliveries;
            ALTER TABLE call_logs DROP COLUMN webhook_sequence;
            DROP TABLE status_webhooks;
            """);
    }
}
