using System.Text.RegularExpressions;

namespace Aventora.TwilioEmulator.Wire;

/// <summary>Address rules shared by Messages and Calls: E.164, optionally behind the whatsapp: channel prefix.</summary>
internal static partial class PhoneNumber
{
    public const string WhatsAppPrefix = "whatsapp:";

    [GeneratedRegex(@"^(whatsapp:)?\+[0-9]{8,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex E164();

    public static bool IsValid(string value) => E164().IsMatch(value);

    public static bool IsWhatsApp(string? value) =>
        value is not null && value.StartsWith(WhatsAppPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The bare number, so filters and scripts match whether or not the caller wrote the channel prefix.</summary>
    public static string Bare(string? value)
    {
        if (value is null) return "";
        var bare = (IsWhatsApp(value) ? value[WhatsAppPrefix.Length..] : value).Trim();
        // An unencoded "+" in a query string arrives as a space (trimmed above): put it back.
        return bare.Length > 0 && bare.All(char.IsAsciiDigit) ? "+" + bare : bare;
    }

    public static bool SameNumber(string? a, string? b) => string.Equals(Bare(a), Bare(b), StringComparison.Ordinal);
}
