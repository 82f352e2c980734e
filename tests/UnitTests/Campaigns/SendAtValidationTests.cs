using Aventora.Ingress.Api.Requests;

namespace Aventora.UnitTests.Campaigns;

public sealed class SendAtValidationTests
{
    private static readonly StartRequest Good = new()
    {
        PhoneNumber = "+14155552671", Channel = "sms", Type = "informational", Instruction = "Reminder", DomainName = "yourdomain",
    };

    [Theory]
    [InlineData("2026-12-01T09:30:00+01:00")]
    [InlineData("2026-12-01T08:30:00Z")]
    [InlineData("2026-12-01T08:30Z")]
    public void An_ISO_8601_time_with_an_offset_schedules_the_request(string sendAt)
    {
        Assert.True(OutboundRequestValidator.TryValidate(Good with { SendAt = sendAt }, out var valid, out _));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero), valid!.SendAt);
    }

    [Theory]
    [InlineData("2026-12-01T09:30:00")]   // no offset: it would be read in the server's zone
    [InlineData("tomorrow at nine")]
    [InlineData("2026-13-01T09:30:00Z")]
    public void A_time_without_an_offset_or_not_a_time_is_refused_naming_send_at(string sendAt)
    {
        Assert.False(OutboundRequestValidator.TryValidate(Good with { SendAt = sendAt }, out _, out var errors));
        Assert.Contains("send_at", errors.Keys);
    }
}
