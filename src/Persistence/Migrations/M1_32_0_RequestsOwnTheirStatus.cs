using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.32.0, step 1: a request's status changes are owned by C# (<see cref="Requests.RequestTransitions"/>), which writes
/// the status history, the webhook outbox row and the tenant id in the same statement as the change. The triggers that did it
/// on <c>call_logs</c> go, and with them about a dozen plpgsql runs per request. <c>previous_status</c> is the status the row had
/// before the last statement that set it, which is how that statement knows whether it changed anything.
/// </summary>
[ReleaseMigration(1, 32, 0, 1, "call_logs status changes written by the request owner, not by triggers")]
public sealed class M1_32_0_RequestsOwnTheirStatus : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE call_logs ADD COLUMN previous_status varchar(40);
            COMMENT ON COLUMN call_logs.previous_status IS 'The status before the last statement that set status (the same when it changed nothing).';
            DROP TRIGGER call_logs_status_history ON call_logs;
            DROP TRIGGER call_logs_status_webhook_count ON call_logs;
            DROP TRIGGER call_logs_status_webhook_emit ON call_logs;
            DROP TRIGGER call_logs_domain_id ON call_logs;
            DROP FUNCTION record_request_status();
            DROP FUNCTION status_webhook_count();
            DROP FUNCTION status_webhook_emit();
            COMMENT ON TABLE request_status_history IS 'Each status a request (call_logs row) has had, in order; written with each change by the request owner (RequestTransitions).';
            """);
    }

    public override void Down()
    {
        // The triggers as releases 1.24.0, 1.25.0 and 1.28.0 made them.
        Execute.Sql("""
            CREATE FUNCTION record_request_status() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
                    INSERT INTO request_status_history (request_id, domain_name, status, error_message)
                    VALUES (NEW.id, NEW.domain_name, NEW.status, NEW.error_message);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER call_logs_status_history AFTER INSERT OR UPDATE OF status ON call_logs
                FOR EACH ROW EXECUTE FUNCTION record_request_status();

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
            CREATE TRIGGER call_logs_status_webhook_count BEFORE INSERT OR UPDATE OF status ON call_logs
                FOR EACH ROW EXECUTE FUNCTION status_webhook_count();
            CREATE TRIGGER call_logs_status_webhook_emit AFTER INSERT OR UPDATE OF status ON call_logs
                FOR EACH ROW EXECUTE FUNCTION status_webhook_emit();
            CREATE TRIGGER call_logs_domain_id BEFORE INSERT ON call_logs FOR EACH ROW EXECUTE FUNCTION aventora_set_domain_id();
            ALTER TABLE call_logs DROP COLUMN previous_status;
            """);
    }
}
