using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.IntegrationTests.Conversations;

/// <summary>A domain with one account on every channel, and a person the emulator plays.</summary>
public sealed record ConversationDomain(string Name, string Key, string AccountSid, string SmsNumber, string WhatsAppNumber, string PhoneNumber)
{
    public static async Task<ConversationDomain> CreateAsync(SystemFixture system, string what, int credits = 100_000)
    {
        var account = await system.NewAccountAsync();
        var name = Api.NewDomainName(what);
        // Numbers of our own per domain: an inbound message finds its domain by the number it was sent to.
        string sms = SystemFixture.UniqueNumber(), whatsapp = SystemFixture.UniqueNumber(), phone = SystemFixture.UniqueNumber();
        var key = await system.CreateDomainAsync(name, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token,
            ["twilio_sms_number"] = sms, ["twilio_whatsapp_number"] = whatsapp, ["twilio_phone_number"] = phone,
        }, credits);
        return new ConversationDomain(name, key, account.Sid, sms, whatsapp, phone);
    }

    /// <summary>The person writes to the domain, through Twilio (the emulator signs it with the domain's account).</summary>
    public Task<WebhookResult> PersonWritesAsync(SystemFixture system, string person, string body, string channel = "sms") =>
        system.Emulator.SendInboundMessageAsync(new InboundMessage(
            WebhookUrl: $"{system.Settings["Ingress:PublicBaseUrl"]}/{(channel == "sms" ? "sms" : "whatsapp")}/webhook",
            AccountSid: AccountSid, From: person, To: channel == "sms" ? SmsNumber : WhatsAppNumber, Body: body,
            Channel: channel == "sms" ? "sms" : "whatsapp"));
}

public static class ConversationAsserts
{
    /// <summary>Waits until the emulator holds <paramref name="count"/> messages to <paramref name="person"/> and returns their bodies, oldest first.</summary>
    public static async Task<IReadOnlyList<string>> MessagesToAsync(this SystemFixture system, string person, int count)
    {
        var messages = await Eventually.Get(() => system.Emulator.GetMessagesAsync(person), m => m.Count >= count, $"{count} messages to {person}");
        return messages.OrderBy(m => m.DateCreated).Select(m => m.Body ?? $"[template {m.ContentSid}]").ToList();
    }
}
