using Aventora.Domains.Campaigns;

namespace Aventora.UnitTests.Campaigns;

/// <summary>The sending window in the recipient's local time, from the number's time zones (libphonenumber).</summary>
public sealed class SendingWindowTests
{
    private static readonly TimeOnly Nine = new(9, 0), Eight = new(20, 0);

    [Fact]
    public void Inside_the_window_in_the_recipients_zone_nothing_waits()
    {
        // 18:00 UTC in January is 10:00 in San Francisco (+1415).
        Assert.Null(SendingWindow.NextOpening(new DateTimeOffset(2026, 1, 15, 18, 0, 0, TimeSpan.Zero), "+14155550123", Nine, Eight));
    }

    [Fact]
    public void At_night_in_the_recipients_zone_it_waits_for_nine_oclock_there()
    {
        // 11:00 UTC in January is 03:00 in San Francisco: the window opens at 09:00 PST = 17:00 UTC.
        var opening = SendingWindow.NextOpening(new DateTimeOffset(2026, 1, 15, 11, 0, 0, TimeSpan.Zero), "+14155550123", Nine, Eight);
        Assert.Equal(new DateTimeOffset(2026, 1, 15, 17, 0, 0, TimeSpan.Zero), opening);
        // The same moment is 12:00 in Paris (+33): open.
        Assert.Null(SendingWindow.NextOpening(new DateTimeOffset(2026, 1, 15, 11, 0, 0, TimeSpan.Zero), "+33612345678", Nine, Eight));
    }

    [Fact]
    public void A_number_spanning_several_zones_takes_the_most_restrictive_reading()
    {
        var zones = SendingWindow.ZonesOf("+18005550100"); // US toll-free: every US zone
        Assert.True(zones.Count > 1, $"toll-free maps to {zones.Count} zone(s)");
        // 14:00 UTC in January: 09:00 in New York but 06:00 in Los Angeles: not open everywhere yet.
        var opening = SendingWindow.NextOpening(new DateTimeOffset(2026, 1, 15, 14, 0, 0, TimeSpan.Zero), "+18005550100", Nine, Eight);
        Assert.NotNull(opening);
        foreach (var zone in zones)
        {
            var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(opening!.Value, zone).DateTime);
            Assert.True(local >= Nine && local < Eight, $"{zone.Id} is at {local} when the request would go");
        }
    }

    [Fact]
    public void A_window_running_past_midnight_is_read_across_it()
    {
        // 22:00–06:00 in Paris; 23:00 Paris (22:00 UTC in January) is inside it.
        Assert.Null(SendingWindow.NextOpening(new DateTimeOffset(2026, 1, 15, 22, 0, 0, TimeSpan.Zero), "+33612345678", new TimeOnly(22, 0), new TimeOnly(6, 0)));
    }
}

public sealed class SenderKindsTests
{
    [Theory]
    [InlineData("sms", "+14155550100", SenderKind.LongCode)]
    [InlineData("sms", "+18005550100", SenderKind.TollFree)]
    [InlineData("sms", "12345", SenderKind.ShortCode)]
    [InlineData("wmsg", "+14155550100", SenderKind.WhatsApp)]
    [InlineData("wvoice", "+14155550100", SenderKind.WhatsApp)]
    public void The_kind_of_a_sender_sets_its_default_pace(string channel, string number, SenderKind kind) =>
        Assert.Equal(kind, SenderKinds.Of(channel, number));
}
