using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Matrix;

/// <summary>How a matrix domain holds its Twilio credentials (the feature document's resolution order).</summary>
public static class MatrixSetups
{
    /// <summary>A pair of its own for sms, phone and WhatsApp: three accounts.</summary>
    public const string ChannelPairs = "channel-pairs";
    /// <summary>Only the shared twilio_account_sid/twilio_auth_token pair: one account for every channel.</summary>
    public const string SharedPair = "shared-pair";
    /// <summary>The shared pair and a WhatsApp pair: wmsg and wvoice take the WhatsApp pair, sms and phone the shared one.</summary>
    public const string Both = "channel-and-shared-pairs";

    public static readonly string[] All = [ChannelPairs, SharedPair, Both];
}

/// <summary>A domain of the matrix: its key, its numbers, and which account each channel must reach Twilio with.</summary>
public sealed record MatrixDomain(
    string Setup, string Name, string Key, string SmsNumber, string PhoneNumber, string WhatsAppNumber,
    IReadOnlyDictionary<string, (string Sid, string Token)> AccountByChannel)
{
    public static async Task<MatrixDomain> CreateAsync(SystemFixture system, string setup)
    {
        var (sms, phone, whatsapp, shared) = (await system.NewAccountAsync(), await system.NewAccountAsync(), await system.NewAccountAsync(), await system.NewAccountAsync());
        string smsNumber = SystemFixture.UniqueNumber(), phoneNumber = SystemFixture.UniqueNumber(), whatsappNumber = SystemFixture.UniqueNumber();
        var technical = new Dictionary<string, string>
        {
            ["twilio_sms_number"] = smsNumber, ["twilio_phone_number"] = phoneNumber,
            // Both spellings a domain may hold: with and without the whatsapp: prefix.
            ["twilio_whatsapp_number"] = setup == MatrixSetups.SharedPair ? whatsappNumber : "whatsapp:" + whatsappNumber,
        };
        Dictionary<string, (string, string)> accounts;
        switch (setup)
        {
            case MatrixSetups.ChannelPairs:
                Pair(technical, "twilio_sms", sms); Pair(technical, "twilio_phone", phone); Pair(technical, "twilio_whatsapp", whatsapp);
                accounts = new() { ["sms"] = sms, ["phone"] = phone, ["wmsg"] = whatsapp, ["wvoice"] = whatsapp };
                break;
            case MatrixSetups.SharedPair:
                Pair(technical, "twilio", shared);
                accounts = new() { ["sms"] = shared, ["phone"] = shared, ["wmsg"] = shared, ["wvoice"] = shared };
                break;
            case MatrixSetups.Both:
                Pair(technical, "twilio", shared); Pair(technical, "twilio_whatsapp", whatsapp);
                accounts = new() { ["sms"] = shared, ["phone"] = shared, ["wmsg"] = whatsapp, ["wvoice"] = whatsapp };
                break;
            default: throw new ArgumentOutOfRangeException(nameof(setup), setup, null);
        }
        var name = Api.NewDomainName("mx");
        var key = await system.CreateDomainAsync(name, technical);
        return new MatrixDomain(setup, name, key, smsNumber, phoneNumber, whatsappNumber, accounts);
    }

    private static void Pair(Dictionary<string, string> technical, string prefix, (string Sid, string Token) account)
    {
        technical[prefix + "_account_sid"] = account.Sid;
        technical[prefix + "_auth_token"] = account.Token;
    }

    /// <summary>The domain's own number for a channel, as stored (E.164, no prefix).</summary>
    public string NumberFor(string channel) => channel switch
    {
        "sms" => SmsNumber, "phone" => PhoneNumber, "wmsg" or "wvoice" => WhatsAppNumber, _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    /// <summary>A number as Twilio must see it on this channel: whatsapp:+E164 on the WhatsApp channels, +E164 otherwise.</summary>
    public static string Twilio(string channel, string number) => channel is "wmsg" or "wvoice" ? "whatsapp:" + number : number;
}
