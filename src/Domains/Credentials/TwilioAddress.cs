using Aventora.Contracts;

namespace Aventora.Domains.Credentials;

/// <summary>Numbers are kept as E.164; the <c>whatsapp:</c> prefix exists only on the wire to and from Twilio.</summary>
public static class TwilioAddress
{
    private const string WhatsAppPrefix = "whatsapp:";

    public static bool IsWhatsApp(string channel) => channel is Channels.WhatsAppMessage or Channels.WhatsAppVoice;

    /// <summary>The address Twilio expects for <paramref name="e164"/> on <paramref name="channel"/>.</summary>
    public static string For(string channel, string e164) => IsWhatsApp(channel) ? WhatsAppPrefix + StripWhatsApp(e164) : StripWhatsApp(e164);

    public static string StripWhatsApp(string address) =>
        address.StartsWith(WhatsAppPrefix, StringComparison.OrdinalIgnoreCase) ? address[WhatsAppPrefix.Length..].Trim() : address.Trim();
}
