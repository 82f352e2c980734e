using Aventora.Contracts;
using Aventora.Domains.Metadata;
using Microsoft.Extensions.Configuration;

namespace Aventora.Domains.Credentials;

/// <summary>
/// <c>get_twilio_config(domain, channel)</c>: the channel's own account SID + auth token pair, else the shared pair,
/// else the environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN). A pair is taken whole, never mixed across levels.
/// The sender is the channel's own number, else its environment variable.
/// </summary>
public static class TwilioConfigResolver
{
    public const string MissingCredentials = "no_twilio_credentials";
    public const string MissingSender = "no_sender_number";

    /// <summary>The technical_json key prefix of a channel: wmsg and wvoice both use WhatsApp's keys.</summary>
    public static string KeyPrefix(string channel) => channel switch
    {
        Channels.Sms => "twilio_sms",
        Channels.Phone => "twilio_phone",
        Channels.WhatsAppMessage or Channels.WhatsAppVoice => "twilio_whatsapp",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "not one of the valid channels"),
    };

    public static string SenderEnvironmentVariable(string channel) => channel switch
    {
        Channels.Sms => "TWILIO_SMS_NUMBER",
        Channels.Phone => "TWILIO_PHONE_NUMBER",
        _ => "TWILIO_WHATSAPP_NUMBER",
    };

    public const string FallbackSenderForDomainsKey = "DomainMetadata:FallbackSenderForDomains";

    /// <param name="fallbackSenderForDomains">False: a domain without its own number does not fall back to the environment's.</param>
    public static TwilioConfigResult GetTwilioConfig(DomainMetadata? metadata, string channel, IConfiguration environment, bool fallbackSenderForDomains = true)
    {
        var prefix = KeyPrefix(channel);
        var domainLabel = metadata?.DomainName is { } name ? $"domain '{name}'" : "requests without a domain";

        var pair = Pair(metadata?.Technical($"{prefix}_account_sid"), metadata?.Technical($"{prefix}_auth_token"), $"domain:{prefix}")
            ?? Pair(metadata?.Technical("twilio_account_sid"), metadata?.Technical("twilio_auth_token"), "domain:twilio")
            ?? Pair(environment["TWILIO_ACCOUNT_SID"], environment["TWILIO_AUTH_TOKEN"], "environment");
        if (pair is null)
        {
            return TwilioConfigResult.Missing(MissingCredentials,
                $"No Twilio credentials for {domainLabel} on channel '{channel}': set {prefix}_account_sid and {prefix}_auth_token " +
                "(or twilio_account_sid and twilio_auth_token) in the domain's technical_json, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment.");
        }

        var sender = metadata?.Technical($"{prefix}_number")
            ?? (metadata is null || fallbackSenderForDomains ? Blank(environment[SenderEnvironmentVariable(channel)]) : null);
        if (sender is null && metadata is not null && !fallbackSenderForDomains)
        {
            return TwilioConfigResult.Missing(MissingSender,
                $"No sender number for {domainLabel} on channel '{channel}': set {prefix}_number in the domain's technical_json " +
                $"(the operator keeps {SenderEnvironmentVariable(channel)} for requests without a domain: {FallbackSenderForDomainsKey} is false).");
        }
        if (sender is null)
        {
            return TwilioConfigResult.Missing(MissingSender,
                $"No sender number for {domainLabel} on channel '{channel}': set {prefix}_number in the domain's technical_json " +
                $"or {SenderEnvironmentVariable(channel)} in the environment.");
        }

        return TwilioConfigResult.Found(new TwilioConfig(pair.Value.Sid, pair.Value.Token, TwilioAddress.StripWhatsApp(sender), pair.Value.Source));
    }

    private static (string Sid, string Token, string Source)? Pair(string? sid, string? token, string source) =>
        Blank(sid) is { } s && Blank(token) is { } t ? (s, t, source) : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
