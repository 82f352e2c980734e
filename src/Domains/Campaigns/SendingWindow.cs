using PhoneNumbers;

namespace Aventora.Domains.Campaigns;

/// <summary>
/// A domain's sending window applied in the recipient's local time. The time zones come from the number through libphonenumber's
/// time-zone mapper; where a number spans several zones (a US toll-free number, a whole country), a moment is inside the window only
/// when it is inside in every one of them: the most restrictive reading. A number whose zone is unknown is read as UTC.
/// </summary>
public static class SendingWindow
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly PhoneNumberToTimeZonesMapper Zones = PhoneNumberToTimeZonesMapper.GetInstance();

    /// <summary>The recipient's time zones (at least one).</summary>
    public static IReadOnlyList<TimeZoneInfo> ZonesOf(string e164)
    {
        try
        {
            var number = Util.Parse(e164, null);
            var found = Zones.GetTimeZonesForNumber(number)
                .Select(id => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null)
                .OfType<TimeZoneInfo>()
                .ToList();
            return found.Count > 0 ? found : [TimeZoneInfo.Utc];
        }
        catch (NumberParseException)
        {
            return [TimeZoneInfo.Utc];
        }
    }

    /// <summary>Null when <paramref name="now"/> is inside the window for the recipient; else when the window next opens for them.</summary>
    public static DateTimeOffset? NextOpening(DateTimeOffset now, string e164, TimeOnly start, TimeOnly end)
    {
        var zones = ZonesOf(e164);
        if (zones.All(zone => IsOpen(now, zone, start, end))) return null;
        // Candidate moments: each zone's openings over the next few days, earliest first; the first one open everywhere wins.
        var openings = zones
            .SelectMany(zone => Enumerable.Range(0, 4).Select(day => OpeningOn(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime).AddDays(day), zone, start)))
            .Where(t => t > now)
            .Order()
            .ToList();
        foreach (var candidate in openings)
            if (zones.All(zone => IsOpen(candidate, zone, start, end))) return candidate.ToUniversalTime();
        // The zones share no open moment (too far apart for the window): go when the last of them opens.
        return (openings.Count > 0 ? openings.Take(zones.Count).Max() : now).ToUniversalTime();
    }

    private static bool IsOpen(DateTimeOffset moment, TimeZoneInfo zone, TimeOnly start, TimeOnly end)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, zone).DateTime);
        return start < end ? local >= start && local < end : local >= start || local < end; // a window may run past midnight
    }

    private static DateTimeOffset OpeningOn(DateOnly day, TimeZoneInfo zone, TimeOnly start)
    {
        var local = day.ToDateTime(start, DateTimeKind.Unspecified);
        // A start that falls in a DST gap is taken an hour later.
        if (zone.IsInvalidTime(local)) local = local.AddHours(1);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
