using System.Globalization;
using Aventora.TwilioEmulator.Accounts;
using Aventora.TwilioEmulator.Callbacks;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.People;

/// <summary>A person texting the application: the signed webhook Twilio posts for an incoming SMS or WhatsApp message.</summary>
internal sealed class InboundMessages(AccountStore accounts, WebhookSender webhooks)
{
    public async Task<WebhookResult?> SendAsync(InboundMessage message, CancellationToken ct)
    {
        if (accounts.TokenFor(message.AccountSid) is not { } token) return null;

        var whatsApp = string.Equals(message.Channel, "whatsapp", StringComparison.OrdinalIgnoreCase);
        string Address(string number) => whatsApp ? PhoneNumber.WhatsAppPrefix + PhoneNumber.Bare(number) : number;

        var sid = Sids.NewMessage();
        var form = new List<KeyValuePair<string, string>>
        {
            new("ToCountry", "US"),
            new("SmsMessageSid", sid),
            new("NumMedia", "0"),
            new("SmsSid", sid),
            new("SmsStatus", "received"),
            new("Body", message.Body),
            new("To", Address(message.To)),
            new("NumSegments", Segments(message.Body).ToString(CultureInfo.InvariantCulture)),
            new("MessageSid", sid),
            new("AccountSid", message.AccountSid),
            new("From", Address(message.From)),
            new("ApiVersion", "2010-04-01"),
        };
        if (whatsApp)
        {
            form.Add(new("ProfileName", message.ProfileName ?? "Emulated Person"));
            form.Add(new("WaId", PhoneNumber.Bare(message.From).TrimStart('+')));
            form.Add(new("MessageType", "text"));
        }

        var answer = await webhooks.SendAsync("inbound-message", message.WebhookUrl, "POST", token, form, ct);
        return new WebhookResult(answer.Status, answer.Body, sid);
    }

    private static int Segments(string body) => body.Length <= 160 ? 1 : (body.Length + 152) / 153;
}
