using System.Globalization;
using Aventora.Domains.Metadata;

namespace Aventora.Domains.Campaigns;

/// <summary>What a domain does with machine-answered calls.</summary>
public static class VoicemailModes
{
    public const string Off = "off";
    public const string Message = "message";
    public const string HangUp = "hangup";
    public static readonly IReadOnlyList<string> All = [Off, Message, HangUp];
}

/// <summary>
/// A domain's campaign settings, read from its technical_json (plain keys, no secrets):
/// <list type="bullet">
/// <item><c>sending_window_start</c>, <c>sending_window_end</c> (HH:mm): when requests may go, in the recipient's local time;</item>
/// <item><c>transactional_types</c>: comma-separated request types that may ask for <c>ignore_quiet_hours</c>;</item>
/// <item><c>twilio_sms_rate_per_second</c>, <c>twilio_phone_rate_per_second</c>, <c>twilio_whatsapp_rate_per_second</c>: the pace of that
/// channel's sender number (defaults by number kind: <see cref="SenderKinds"/>);</item>
/// <item><c>voicemail_mode</c> (off, message, hangup) and <c>voicemail_message</c>: answering machine detection on phone calls.</item>
/// </list>
/// </summary>
public sealed record CampaignSettings
{
    public const string WindowStartKey = "sending_window_start";
    public const string WindowEndKey = "sending_window_end";
    public const string TransactionalTypesKey = "transactional_types";
    public const string VoicemailModeKey = "voicemail_mode";
    public const string VoicemailMessageKey = "voicemail_message";
    public const string RateSuffix = "_rate_per_second";
    public const int MaxVoicemailMessageLength = 1000;

    public static readonly CampaignSettings None = new();

    public TimeOnly? WindowStart { get; init; }
    public TimeOnly? WindowEnd { get; init; }
    public IReadOnlySet<string> TransactionalTypes { get; init; } = new HashSet<string>();
    public string VoicemailMode { get; init; } = VoicemailModes.Off;
    public string? VoicemailMessage { get; init; }
    private IReadOnlyDictionary<string, string?> Technical { get; init; } = new Dictionary<string, string?>();

    public bool HasWindow => WindowStart is not null && WindowEnd is not null && WindowStart != WindowEnd;

    /// <summary>The voicemail a machine gets: the domain's <c>voicemail_message</c>, or a plain call-back request naming the domain.</summary>
    public string VoicemailFor(string? domainName) =>
        string.IsNullOrWhiteSpace(VoicemailMessage)
            ? $"Hello, this is a message from {domainName ?? "us"}. Sorry we missed you; please call us back at this number."
            : VoicemailMessage.Trim();

    public bool IsTransactional(string type) => TransactionalTypes.Contains(type.Trim().ToLowerInvariant());

    /// <summary>The configured rate of the sender of a channel's key prefix (<c>twilio_sms</c>...), if any.</summary>
    public double? RateFor(string keyPrefix) =>
        Technical.TryGetValue(keyPrefix + RateSuffix, out var text) && TryParseRate(text, out var rate) ? rate : null;

    public static CampaignSettings From(DomainMetadata? metadata)
    {
        if (metadata is null) return None;
        return new CampaignSettings
        {
            WindowStart = TryParseTime(metadata.Technical(WindowStartKey), out var start) ? start : null,
            WindowEnd = TryParseTime(metadata.Technical(WindowEndKey), out var end) ? end : null,
            TransactionalTypes = (metadata.Technical(TransactionalTypesKey) ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => t.ToLowerInvariant()).ToHashSet(),
            VoicemailMode = metadata.Technical(VoicemailModeKey)?.ToLowerInvariant() is { } mode && VoicemailModes.All.Contains(mode) ? mode : VoicemailModes.Off,
            VoicemailMessage = metadata.Technical(VoicemailMessageKey),
            Technical = metadata.TechnicalJson,
        };
    }

    /// <summary>Checks a campaign key of technical_json; null when it is not one, or is well formed; else the reason.</summary>
    public static string? Check(string key, string value)
    {
        if (key is WindowStartKey or WindowEndKey)
            return TryParseTime(value, out _) ? null : $"technical_json.{key} must be a time of day as HH:mm (e.g. 09:00).";
        if (key == VoicemailMessageKey)
            return value.Trim().Length is > 0 and <= MaxVoicemailMessageLength ? null
                : $"technical_json.{key} must be the text to leave on a machine, 1 to {MaxVoicemailMessageLength} characters.";
        if (key == VoicemailModeKey)
            return VoicemailModes.All.Contains(value.ToLowerInvariant()) ? null : $"technical_json.{key} must be one of {string.Join(", ", VoicemailModes.All)}.";
        if (key.EndsWith(RateSuffix, StringComparison.Ordinal))
            return TryParseRate(value, out _) ? null : $"technical_json.{key} must be a number of sends per second between 0.01 and 1000 (e.g. 1, 3, 0.5).";
        return null;
    }

    private static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text?.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static bool TryParseRate(string? text, out double rate) =>
        double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate is >= 0.01 and <= 1000;
}
