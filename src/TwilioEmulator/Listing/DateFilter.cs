using System.Globalization;
using System.Text.RegularExpressions;
using Aventora.TwilioEmulator.Messages;
using Aventora.TwilioEmulator.Rest;

namespace Aventora.TwilioEmulator.Listing;

/// <summary>Inclusive bounds on a resource's date; a resource with no date (a message not sent yet) never matches.</summary>
internal sealed record DateRange(DateTimeOffset? From, DateTimeOffset? Until)
{
    public static DateRange Any { get; } = new(null, null);

    public bool IsAny => From is null && Until is null;

    public bool Contains(DateTimeOffset? value) =>
        IsAny || (value is { } v && (From is null || v >= From) && (Until is null || v <= Until));
}

/// <summary>
/// Twilio's date filters on lists: <c>Name</c>, <c>Name&lt;</c> and <c>Name&gt;</c> (DateSent, StartTime, EndTime).
/// On the wire the SDK writes <c>DateSent%3E=2024-05-01T10:00:00Z</c>, i.e. "DateSent&gt;=", which is why the bounds
/// are inclusive. A bare date (YYYY-MM-DD, GMT) means the whole day: "&gt;" from its midnight, "&lt;" through its
/// end, "=" that day. A date-time (ISO 8601 as the SDK sends, or RFC 2822 as Twilio writes) is an instant,
/// except with "=", which still means its day.
/// </summary>
internal static partial class DateFilter
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateOnlyPattern();

    public static ValidationError? Parse(RestExchange exchange, string name, out DateRange range)
    {
        range = DateRange.Any;
        DateTimeOffset? from = null, until = null;
        foreach (var (suffix, apply) in Bounds)
        {
            if (exchange.Value(name + suffix) is not { } raw) continue;
            if (!TryParse(raw, out var value, out var wholeDay))
                return new(20001, $"Invalid value for {name}{suffix}: '{raw}'. Use YYYY-MM-DD (GMT) or an ISO 8601 date-time.");
            apply(value, wholeDay, ref from, ref until);
        }
        range = new DateRange(from, until);
        return null;
    }

    private delegate void Apply(DateTimeOffset value, bool wholeDay, ref DateTimeOffset? from, ref DateTimeOffset? until);

    private static readonly (string Suffix, Apply Apply)[] Bounds =
    [
        ("", static (DateTimeOffset v, bool _, ref DateTimeOffset? from, ref DateTimeOffset? until) =>
        {
            var day = new DateTimeOffset(v.UtcDateTime.Date, TimeSpan.Zero);
            (from, until) = (Later(from, day), Earlier(until, EndOfDay(day)));
        }),
        (">", static (DateTimeOffset v, bool _, ref DateTimeOffset? from, ref DateTimeOffset? until) => from = Later(from, v)),
        ("<", static (DateTimeOffset v, bool wholeDay, ref DateTimeOffset? from, ref DateTimeOffset? until) =>
            until = Earlier(until, wholeDay ? EndOfDay(v) : v)),
    ];

    private static bool TryParse(string raw, out DateTimeOffset value, out bool wholeDay)
    {
        wholeDay = DateOnlyPattern().IsMatch(raw);
        if (wholeDay && DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }
        // GMT unless the value says otherwise, as Twilio documents.
        return DateTimeOffset.TryParse(raw.Trim(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static DateTimeOffset EndOfDay(DateTimeOffset day) =>
        new DateTimeOffset(day.UtcDateTime.Date, TimeSpan.Zero).AddDays(1).AddTicks(-1);

    private static DateTimeOffset Later(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } c && c > candidate ? c : candidate;

    private static DateTimeOffset Earlier(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } c && c < candidate ? c : candidate;
}
