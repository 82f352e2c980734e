using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.22.0, "shared senders": STOP blocks the number it was sent to for that person (Twilio's own rule), so it covers
/// every domain that sends from that number, not only the domain the reply was routed to. Per-domain opt-outs stay.
/// </summary>
[ReleaseMigration(1, 22, 0, 1, "add opt-outs per sender number")]
public sealed class M1_22_0_AddSenderOptOuts : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE sender_opt_outs (
                sender_number  varchar(20)  NOT NULL,
                phone_number   varchar(20)  NOT NULL,
                source         varchar(40)  NOT NULL CHECK (source IN ('keyword', 'twilio_21610')),
                opted_out_at   timestamptz  NOT NULL DEFAULT now(),
                PRIMARY KEY (sender_number, phone_number)
            );
            COMMENT ON TABLE sender_opt_outs IS 'People who said STOP to one of our numbers (or whom Twilio reports unsubscribed from it): no domain sends to them from that number until they say START.';

            -- A STOP recorded before this release was said to the number of the person's session with that domain.
            INSERT INTO sender_opt_outs (sender_number, phone_number, source, opted_out_at)
            SELECT DISTINCT ON (s.sender_number, o.phone_number) s.sender_number, o.phone_number, o.source, o.opted_out_at
            FROM opt_outs o JOIN sms_sessions s ON s.domain_name = o.domain_name AND s.phone_number = o.phone_number
            ORDER BY s.sender_number, o.phone_number, o.opted_out_at
            ON CONFLICT DO NOTHING;
            """);
    }

    public override void Down() => Execute.Sql("DROP TABLE sender_opt_outs;");
}
