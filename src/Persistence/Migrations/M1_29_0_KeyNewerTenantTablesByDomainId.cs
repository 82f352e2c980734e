using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.29.0: the tables of 1.25.0 (status webhooks and their deliveries) carry the domain id too (see 1.24.0), so a
/// domain created again under a deleted one's name neither reads the earlier tenant's delivery log nor receives its late
/// events: a delivery is only made when the request and the webhook belong to the same tenant.
/// </summary>
[ReleaseMigration(1, 29, 0, 1, "status webhooks keyed by domain id")]
public sealed class M1_29_0_KeyNewerTenantTablesByDomainId : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE status_webhooks ADD COLUMN domain_id uuid;
            UPDATE status_webhooks w SET domain_id = aventora_domain_id(w.domain_name);
            CREATE TRIGGER status_webhooks_domain_id BEFORE INSERT ON status_webhooks FOR EACH ROW EXECUTE FUNCTION aventora_set_domain_id();

            ALTER TABLE status_webhook_deliveries ADD COLUMN domain_id uuid;
            UPDATE status_webhook_deliveries d SET domain_id = c.domain_id FROM call_logs c WHERE c.id = d.request_id;

            CREATE FUNCTION aventora_delivery_of_webhook_tenant() RETURNS trigger
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_request uuid;
            BEGIN
                SELECT c.domain_id INTO v_request FROM call_logs c WHERE c.id = NEW.request_id;
                -- The webhook of this name belongs to another tenant (the request's domain was deleted): no delivery.
                IF EXISTS (SELECT 1 FROM status_webhooks w WHERE w.domain_name = NEW.domain_name AND w.domain_id IS DISTINCT FROM v_request) THEN
                    RETURN NULL;
                END IF;
                NEW.domain_id := v_request;
                RETURN NEW;
            END
            $fn$;
            CREATE TRIGGER status_webhook_deliveries_tenant BEFORE INSERT ON status_webhook_deliveries
                FOR EACH ROW EXECUTE FUNCTION aventora_delivery_of_webhook_tenant();
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            DROP TRIGGER status_webhook_deliveries_tenant ON status_webhook_deliveries;
            DROP FUNCTION aventora_delivery_of_webhook_tenant();
            ALTER TABLE status_webhook_deliveries DROP COLUMN domain_id;
            DROP TRIGGER status_webhooks_domain_id ON status_webhooks;
            ALTER TABLE status_webhooks DROP COLUMN domain_id;
            """);
    }
}
