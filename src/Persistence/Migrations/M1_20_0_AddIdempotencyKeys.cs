using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.20.0, "idempotency keys and batch identity": the clients' <c>Idempotency-Key</c>s with the answer each first
/// got (claimed before the work, so two copies of Ingress never both do it), and on batches the caller's own id (unique per
/// domain), a hash of what was uploaded (a re-upload with other rows is refused), the rows the broker confirmed, and a
/// <c>failed</c> status for a batch whose client went away while it was being published.
/// </summary>
[ReleaseMigration(1, 20, 0, 1, "add idempotency keys and batch identity")]
public sealed class M1_20_0_AddIdempotencyKeys : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE idempotency_keys (
                scope             varchar(220)  NOT NULL,
                key               varchar(255)  NOT NULL CONSTRAINT idempotency_keys_key_not_empty CHECK (length(key) > 0),
                request_hash      bytea         NOT NULL CONSTRAINT idempotency_keys_request_hash_sha256 CHECK (octet_length(request_hash) = 32),
                request_method    varchar(10)   NOT NULL,
                request_path      varchar(2000) NOT NULL,
                status            varchar(20)   NOT NULL DEFAULT 'in_progress'
                                  CONSTRAINT idempotency_keys_status_valid CHECK (status IN ('in_progress', 'done')),
                claim_id          uuid          NOT NULL,
                response_status   integer       CONSTRAINT idempotency_keys_response_status_definitive CHECK (response_status BETWEEN 200 AND 499),
                response_headers  jsonb,
                response_body     text,
                created_at        timestamptz   NOT NULL DEFAULT now(),
                claimed_at        timestamptz   NOT NULL DEFAULT now(),
                completed_at      timestamptz,
                PRIMARY KEY (scope, key),
                CONSTRAINT idempotency_keys_done_has_answer CHECK ((status = 'done') = (response_status IS NOT NULL AND completed_at IS NOT NULL))
            );
            CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
            COMMENT ON TABLE idempotency_keys IS 'Idempotency-Key per caller (scope: admin or domain:<name>): claimed in_progress before the work, then done with the answer replayed to a retry. Swept after Idempotency:KeepFor.';
            COMMENT ON COLUMN idempotency_keys.request_hash IS 'SHA-256 of method, path, parameters and body (for /batches the file''s hash): the same key with another request is refused.';
            COMMENT ON COLUMN idempotency_keys.claim_id IS 'Whose claim this is: only that claimant completes or releases it (a stale claim can be taken over after Idempotency:InProgressTimeout).';
            COMMENT ON COLUMN idempotency_keys.response_body IS 'The answer''s bytes as text, not jsonb, so a replay is the same body byte for byte.';

            ALTER TABLE batches
                ADD COLUMN client_batch_id varchar(100),
                ADD COLUMN content_hash    bytea CONSTRAINT batches_content_hash_sha256 CHECK (octet_length(content_hash) = 32),
                ADD COLUMN published_count integer NOT NULL DEFAULT 0 CONSTRAINT batches_published_count_not_negative CHECK (published_count >= 0),
                ADD COLUMN failure_reason  text;
            UPDATE batches SET client_batch_id = id::text;
            ALTER TABLE batches ALTER COLUMN client_batch_id SET NOT NULL;
            ALTER TABLE batches ADD CONSTRAINT batches_client_batch_id_valid CHECK (client_batch_id ~ '^[A-Za-z0-9._:-]{1,100}$');
            CREATE UNIQUE INDEX batches_domain_client_batch_id ON batches (domain_name, client_batch_id);
            ALTER TABLE batches DROP CONSTRAINT batches_status_check;
            ALTER TABLE batches ADD CONSTRAINT batches_status_check CHECK (status IN ('publishing', 'published', 'interrupted', 'failed'));
            COMMENT ON COLUMN batches.client_batch_id IS 'The caller''s batch_id (or the Idempotency-Key naming the batch, or the uuid as text): unique per domain; id derives from it.';
            COMMENT ON COLUMN batches.content_hash IS 'SHA-256 of the file and its default_channel: a re-upload of the same batch with other rows is refused (409).';
            COMMENT ON COLUMN batches.status IS 'publishing (rows going out), published (every good row confirmed by the broker), interrupted (broker failed), failed (the client went away mid-publish); upload again with the same batch id to send the rest';
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            UPDATE batches SET status = 'interrupted' WHERE status = 'failed';
            ALTER TABLE batches DROP CONSTRAINT batches_status_check;
            ALTER TABLE batches ADD CONSTRAINT batches_status_check CHECK (status IN ('publishing', 'published', 'interrupted'));
            DROP INDEX batches_domain_client_batch_id;
            ALTER TABLE batches DROP COLUMN client_batch_id, DROP COLUMN content_hash, DROP COLUMN published_count, DROP COLUMN failure_reason;
            DROP TABLE idempotency_keys;
            """);
    }
}
