using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>Release 1.14.0: domains with their metadata (the embedded default source) and their API keys.</summary>
[ReleaseMigration(1, 14, 0, 1, "create domains and api_keys")]
public sealed class M1_14_0_CreateDomains : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE domains (
                name            varchar(200) PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,199}$'),
                technical_json  jsonb        NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(technical_json) = 'object'),
                created_at      timestamptz  NOT NULL DEFAULT now(),
                updated_at      timestamptz  NOT NULL DEFAULT now()
            );
            COMMENT ON COLUMN domains.technical_json IS 'twilio_{sms,phone,whatsapp}_{account_sid,auth_token,number}, twilio_account_sid, twilio_auth_token. Auth tokens are secrets.';

            CREATE TABLE api_keys (
                id           uuid PRIMARY KEY,
                domain_name  varchar(200) NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
                key_hash     bytea        NOT NULL UNIQUE CHECK (length(key_hash) = 32),
                key_prefix   varchar(16)  NOT NULL,
                label        varchar(200),
                created_at   timestamptz  NOT NULL DEFAULT now(),
                revoked_at   timestamptz
            );
            CREATE INDEX api_keys_domain ON api_keys (domain_name);
            COMMENT ON COLUMN api_keys.key_hash IS 'SHA-256 of the key; the key itself is shown once, at creation, and never stored.';
            """);
    }

    public override void Down()
    {
        Delete.Table("api_keys");
        Delete.Table("domains");
    }
}
