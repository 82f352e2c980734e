using Aventora.Domains.StatusWebhooks;

namespace Aventora.UnitTests.StatusWebhooks;

public sealed class StatusWebhookSignatureTests
{
    private const string Secret = "whsec_test";
    private const string Body = """{"request_id":"5b3e0c1e-8f1d-4a53-9d7e-0c2a9b1f4e21","status":"delivered"}""";

    [Fact]
    public void The_header_is_t_and_v1_and_verifies_within_the_window_only()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var header = StatusWebhookSignature.Sign(Secret, now.ToUnixTimeSeconds(), Body);
        Assert.Matches("^t=1800000000,v1=[0-9a-f]{64}$", header);
        Assert.True(StatusWebhookSignature.Verify(Secret, header, Body, now.AddMinutes(4), TimeSpan.FromMinutes(5)));
        Assert.False(StatusWebhookSignature.Verify(Secret, header, Body, now.AddMinutes(6), TimeSpan.FromMinutes(5)));   // replayed too late
        Assert.False(StatusWebhookSignature.Verify(Secret, header, Body + " ", now, TimeSpan.FromMinutes(5)));            // body changed
        Assert.False(StatusWebhookSignature.Verify("whsec_other", header, Body, now, TimeSpan.FromMinutes(5)));           // another secret
        Assert.False(StatusWebhookSignature.Verify(Secret, header.Replace("t=1800000000", "t=1800000001"), Body, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Retry_delays_double_from_the_first_up_to_the_cap()
    {
        var options = new StatusWebhookOptions { FirstRetryAfter = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromHours(1) };
        Assert.Equal(TimeSpan.FromSeconds(10), options.RetryDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(20), options.RetryDelay(2));
        Assert.Equal(TimeSpan.FromSeconds(80), options.RetryDelay(4));
        Assert.Equal(TimeSpan.FromHours(1), options.RetryDelay(40));
    }
}
