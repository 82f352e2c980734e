using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.StatusWebhooks;

/// <summary>
/// One tenant's endpoint cannot hold up another's events: a slow one holds at most its share of the Dispatcher's delivery slots,
/// and one that keeps failing has its circuit opened and is left alone for a while (README, "Fair shares").
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class StatusWebhookFairShareTests(SystemFixture system)
{
    /// <summary>More of the slow tenant's events due at once than the Dispatcher has slots (RabbitMq:ConcurrentMessageLimit, 16).</summary>
    private const int SlowRequests = 24;

    private async Task<(BilledDomain Domain, WebhookReceiver Receiver)> DomainWithWebhookAsync(string what)
    {
        // No credits: each /start still brings two events (received, insufficient_credits), free to the tenant.
        var domain = await system.NewBilledDomainAsync(what, 0);
        var receiver = await WebhookReceiver.StartAsync();
        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        Assert.Equal(HttpStatusCode.Created,
            (await http.PutAsJsonAsync($"/domains/{domain.Name}/status-webhook", new { status_webhook_url = receiver.Url })).StatusCode);
        return (domain, receiver);
    }

    private async Task<Guid[]> StartManyAsync(BilledDomain domain, int count)
    {
        var ids = new Guid[count];
        for (var i = 0; i < count; i++) ids[i] = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        return ids;
    }

    private static Task<IReadOnlyList<ReceivedWebhook>> BothEventsAsync(WebhookReceiver receiver, Guid requestId) =>
        Eventually.Get(() => Task.FromResult<IReadOnlyList<ReceivedWebhook>?>(receiver.Received),
            r => r.Any(w => w.Answered == 200 && w.RequestId == requestId && w.Status == "insufficient_credits"),
            $"the endpoint to receive request {requestId}'s events");

    [Fact]
    public async Task A_tenant_whose_endpoint_hangs_holds_only_its_share_of_the_slots_and_another_tenants_events_still_go_out()
    {
        var (slow, hanging) = await DomainWithWebhookAsync("hook-slow");
        await using var _ = hanging;
        hanging.Hold(); // answers nothing, for longer than StatusWebhooks:Timeout is here
        await StartManyAsync(slow, SlowRequests);
        await Eventually.Get(() => Task.FromResult<int?>(hanging.InFlight), n => n >= SystemFixture.StatusWebhookShare,
            "the slow endpoint to hold its share of POSTs");

        var (other, receiver) = await DomainWithWebhookAsync("hook-fair");
        await using var __ = receiver;
        var id = await system.StartAsync(other, "sms", SystemFixture.UniqueNumber());
        var events = (await BothEventsAsync(receiver, id)).Where(w => w.RequestId == id).ToList();

        // The other tenant's events went out while every POST to the slow endpoint was still held, none timed out or answered.
        Assert.Equal(0, hanging.Abandoned);
        Assert.Empty(hanging.Received);
        Assert.Equal(["received", "insufficient_credits"], events.Select(e => e.Status));
        // The slow tenant never had more than its share of POSTs under way, though it had far more events due.
        Assert.InRange(hanging.MaxInFlight, 1, SystemFixture.StatusWebhookShare);

        // Released, the slow tenant's events go out too: put back, not dropped.
        hanging.Release();
        await Eventually.Get(() => Task.FromResult<int?>(hanging.Received.Count(w => w.Answered == 200)), n => n >= SlowRequests,
            "the slow tenant's first events to be delivered once its endpoint answers", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task An_endpoint_that_keeps_failing_has_its_circuit_opened_and_another_tenants_events_go_out()
    {
        var (failing, down) = await DomainWithWebhookAsync("hook-breaker");
        await using var _ = down;
        down.FailNext(int.MaxValue);
        await StartManyAsync(failing, 10);

        using var http = system.Ingress.CreateHttpClient(failing.ApiKey);
        var log = await Eventually.Get(async () => await http.GetFromJsonAsync<JsonArray>($"/domains/{failing.Name}/status-webhook/deliveries"),
            l => l.Any(d => d!["last_error"]?.GetValue<string>().StartsWith("Not sent: the endpoint failed") == true),
            "a delivery to be put back because the endpoint's circuit is open");
        var putBack = log.First(d => d!["last_error"]?.GetValue<string>().StartsWith("Not sent") == true)!;
        Assert.Contains($"failed {SystemFixture.StatusWebhookBreakAfterFailures} times in a row", putBack["last_error"]!.GetValue<string>());

        var (other, receiver) = await DomainWithWebhookAsync("hook-unaffected");
        await using var __ = receiver;
        var id = await system.StartAsync(other, "sms", SystemFixture.UniqueNumber());
        var events = (await BothEventsAsync(receiver, id)).Where(w => w.RequestId == id).ToList();
        Assert.Equal(["received", "insufficient_credits"], events.Select(e => e.Status));
        Assert.All(receiver.Received, w => Assert.Equal(200, w.Answered)); // another endpoint on the same host: its own circuit, closed

        // Once open, the failing endpoint is left alone: it saw the failures that opened it (and those already under way, at most its
        // share) and no more, where its 20 events' retries would have called it dozens of times.
        Assert.InRange(down.Received.Count, SystemFixture.StatusWebhookBreakAfterFailures,
            SystemFixture.StatusWebhookBreakAfterFailures + SystemFixture.StatusWebhookShare - 1);
        Assert.All(down.Received, w => Assert.Equal(500, w.Answered));
    }
}
