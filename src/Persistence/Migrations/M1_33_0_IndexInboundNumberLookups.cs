using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.33.0: the two lookups an inbound webhook makes before its signature can be checked (whose number is this) use an
/// index instead of reading every row. Domains are found by containment (<c>technical_json @&gt; {"twilio_sms_number": ...}</c>)
/// through a GIN index, which replaces a regular-expression scan over every domain; sessions by the person and our number.
/// Plain CREATE INDEX, as every migration here runs in its transaction; both tables are small next to call_logs.
/// </summary>
[ReleaseMigration(1, 33, 0, 1, "index the inbound webhook's number lookups")]
public sealed class M1_33_0_IndexInboundNumberLookups : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE INDEX domains_technical_json ON domains USING gin (technical_json jsonb_path_ops);
            CREATE INDEX sms_sessions_by_sender ON sms_sessions (phone_number, sender_number, channel, updated_at DESC);
            """);
    }

    public override void Down()
    {
        Execute.Sql("""
            DROP INDEX sms_sessions_by_sender;
            DROP INDEX domains_technical_json;
            """);
    }
}
