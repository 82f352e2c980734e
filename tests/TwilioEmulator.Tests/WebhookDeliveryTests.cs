using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

/// <summary>How status callbacks go out under load: once each (no retries, as on Twilio), through a bounded number of slots.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private FakeApplication _app = null!;

    public async Task InitializeAsync() => _app = await FakeApplication.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_callback_answered_with_500_is_not_retried()
    {
        await using var emulator = await RunningEmulator.StartAsync();
        _app.Serve("status/broken", _ => (500, "oops"));

        await MessageResource.CreateAsync(to: new PhoneNumber(Numbers.Person()), from: new PhoneNumber(Numbers.Business), body: "x",
            statusCallback: new Uri(_app.Url("status/broken")), client: emulator.Twilio());

        // A retry of "sent" would have to come before the job moves on to "delivered".
        var received = await _app.WaitForAsync("status/broken", r => r.Any(w => w.Values["MessageStatus"] == "delivered"));
        Assert.Single(received, w => w.Values["MessageStatus"] == "sent");
        Assert.Contains(await emulator.Admin.GetWebhooksAsync(), w => w.Kind == "message-status" && w.Status == 500);
    }

    [Fact]
    public async Task With_a_single_slot_every_callback_still_goes_out()
    {
        await using var emulator = await RunningEmulator.StartAsync("--Emulator:MaxConcurrentWebhooks=1");
        var sends = Enumerable.Range(0, 10).Select(_ => MessageResource.CreateAsync(to: new PhoneNumber(Numbers.Person()),
            from: new PhoneNumber(Numbers.Business), body: "x", statusCallback: new Uri(_app.Url("status/queued")),
            client: emulator.Twilio()));
        await Task.WhenAll(sends);

        var received = await _app.WaitForAsync("status/queued", r => r.Count(w => w.Values["MessageStatus"] == "delivered") == 10);
        Assert.Equal(10, received.Count(w => w.Values["MessageStatus"] == "sent"));
    }
}
