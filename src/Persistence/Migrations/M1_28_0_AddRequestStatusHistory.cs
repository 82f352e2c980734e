using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.28.0, "admin console": every status a request passes through, with when, so the console's request detail can show
/// its history. Written by a trigger on <c>call_logs</c>, so no code path that moves a request (dispatcher, workers, status
/// callbacks, reconciler) can forget it, and a redelivery that changes nothing writes nothing. Also the index the request log
/// (<c>GET /requests</c>) pages by across every domain.
/// </summary>
[ReleaseMigration(1, 28, 0, 1, "add request status history")]
public sealed class M1_28_0_AddRequestStatusHistory : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE request_status_history (
                id            bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                request_id    uuid         NOT NULL,
                domain_name   text,
                status        varchar(40)  NOT NULL,
                error_message text,
                at            timestamptz  NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX request_status_history_request ON request_status_history (request_id, id);
            COMMENT ON TABLE request_status_history IS 'Each status a request (call_logs row) has had, in order; written by the call_logs_status_history trigger.';

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

            -- GET /requests pages every domain newest first by (created_at, id) for the admin key.
            CREATE INDEX call_logs_created_id ON call_logs (created_at DESC, id DESC);
            """);
    }

    public override void Down() => Execute.Sql("""
        DROP INDEX call_logs_created_id;
        DROP TRIGGER call_logs_status_history ON call_logs;
        DROP FUNCTION record_request_status();
        DROP TABLE request_status_history;
        """);
}
