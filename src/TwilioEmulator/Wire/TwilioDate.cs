using System.Globalization;

namespace Aventora.TwilioEmulator.Wire;

/// <summary>Twilio's 2010-04-01 API writes dates in RFC 1123 / RFC 2822 form, e.g. "Thu, 30 Jul 2015 20:12:31 +0000".</summary>
internal static class TwilioDate
{
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public static string? Format(DateTimeOffset? value) => value is { } v ? Format(v) : null;
}
