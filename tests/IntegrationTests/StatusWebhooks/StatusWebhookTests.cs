using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.Domains.StatusWebhooks;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.StatusWebhooks;

/// <summary>A customer's endpoint receives signed, ordered status events for its own requests, with retries.</summary>
[Collection(SystemCollection.Name)]
public sealed class StatusWebhookTests(SystemFixture system)
{
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    private async Task<(BilledDomain Domain, string Secret, WebhookReceiver Receiver)> DomainWithWebhookAsync(string what)
    {
        var domain = await system.NewBilledDomainAsync(what, 1000);
        var receiver = await WebhookReceiver.StartAsync();
        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        var created = await http.PutAsJsonAsync($"/domains/{domain.Name}/status-webhook", new { status_webhook_url = receiver.Url });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await created.JsonAsync()).Str("signing_secret");
        Assert.StartsWith(StatusWebhookSignature.SecretPrefix, secret);
        return (domain, secret, receiver);
    }

    private static Task<IReadOnlyList<ReceivedWebhook>> DeliveredAsync(WebhookReceiver receiver, Guid requestId, string finalStatus) =>
        Eventually.Get(() => Task.FromResult<IReadOnlyList<ReceivedWebhook>?>(receiver.Received),
            r => r.Any(w => w.Answered == 200 && w.RequestId == requestId && w.Status == finalStatus),
            $"the endpoint to receive '{finalStatus}' for request {requestId}");

    [Fact]
    public async Task An_sms_request_sends_signed_events_in_order_to_its_domain_endpoint()
    {
        var (domain, secret, receiver) = await DomainWithWebhookAsync("hook-order");
        await using var _ = receiver;
        var id = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        await DeliveredAsync(receiver, id, "delivered");

        var events = receiver.Received.Where(w => w.RequestId == id).ToList();
        Assert.All(events, e => Assert.True(StatusWebhookSignature.Verify(secret, e.Signature, e.Body, DateTimeOffset.UtcNow, ReplayWindow), e.Signature));
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Sequence)); // every event, once, in order
        var delivered = events.Last();
        Assert.Equal("delivered", delivered.Status);
        Assert.Equal("sms", delivered.Json.Str("channel"));
        Assert.StartsWith("SM", delivered.Json.Str("twilio_sid"));
        Assert.Equal(domain.Name, delivered.Json.Str("domain_name"));
        Assert.NotNull(delivered.Json["occurred_at"]);
        var opening = Assert.Single(events, e => e.Json.Str("event") == "request.transcript"); // the opening message joined the transcript
        Assert.Equal("assistant", opening.Json["transcript_turn"]!["speaker"]!.GetValue<string>());
        Assert.False(StatusWebhookSignature.Verify("whsec_other", delivered.Signature, delivered.Body, DateTimeOffset.UtcNow, ReplayWindow));
        Assert.False(StatusWebhookSignature.Verify(secret, delivered.Signature, delivered.Body, DateTimeOffset.UtcNow.AddMinutes(10), ReplayWindow));

        // The log shows each delivery delivered; the secret is never shown again.
        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        var log = (await http.GetFromJsonAsync<JsonArray>($"/domains/{domain.Name}/status-webhook/deliveries?request_id={id}"))!;
        Assert.Equal(events.Count, log.Count);
        Assert.All(log, d => Assert.Equal("delivered", d!["status"]!.GetValue<string>()));
        var shown = await http.GetStringAsync($"/domains/{domain.Name}/status-webhook");
        Assert.DoesNotContain(secret, shown);
    }

    [Fact]
    public async Task A_500_is_retried_and_the_later_events_wait_for_it()
    {
        var (domain, secret, receiver) = await DomainWithWebhookAsync("hook-retry");
        await using var _ = receiver;
        receiver.FailNext(3);
        var id = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        await DeliveredAsync(receiver, id, "delivered");

        var events = receiver.Received.Where(w => w.RequestId == id).ToList();
        Assert.Equal(3, events.Count(e => e.Answered == 500));
        Assert.All(events.Take(3), e => Assert.Equal(1, e.Sequence)); // the first event, tried until it went through
        var accepted = events.Where(e => e.Answered == 200).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, accepted.Count), accepted);  // the next ones only after it, in order
        Assert.All(events, e => Assert.True(StatusWebhookSignature.Verify(secret, e.Signature, e.Body, DateTimeOffset.UtcNow, ReplayWindow)));

        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        var first = (await http.GetFromJsonAsync<JsonArray>($"/domains/{domain.Name}/status-webhook/deliveries?request_id={id}"))!
            .Single(d => d!["sequence"]!.GetValue<int>() == 1)!;
        Assert.Equal(4, first["attempts"]!.GetValue<int>());
        Assert.Equal(200, first["last_status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_delivery_given_up_is_visible_and_can_be_retried()
    {
        var (domain, _, receiver) = await DomainWithWebhookAsync("hook-giveup");
        await using var __ = receiver;
        receiver.FailNext(int.MaxValue);
        var id = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());

        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        var failed = await Eventually.Get(async () => await http.GetFromJsonAsync<JsonArray>($"/domains/{domain.Name}/status-webhook/deliveries?status=failed"),
            l => l.Any(d => d!["sequence"]!.GetValue<int>() == 1), "the first delivery to be given up", TimeSpan.FromSeconds(40));
        var delivery = failed.Single(d => d!["sequence"]!.GetValue<int>() == 1)!;
        Assert.Equal("The endpoint answered 500.", delivery["last_error"]!.GetValue<string>());

        receiver.FailNext(0);
        var retried = await http.PostAsync($"/domains/{domain.Name}/status-webhook/deliveries/{delivery["delivery_id"]}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        await Eventually.Get(() => Task.FromResult<IReadOnlyList<ReceivedWebhook>?>(receiver.Received),
            r => r.Any(w => w.Answered == 200 && w.RequestId == id && w.Sequence == 1), "the retried delivery to go through");
    }

    [Fact]
    public async Task A_deleted_domains_undelivered_events_never_reach_the_tenant_that_takes_its_name()
    {
        var (gone, _, failing) = await DomainWithWebhookAsync("hook-gone");
        await using var _ = failing;
        failing.FailNext(int.MaxValue); // its endpoint is down: its events wait to be tried again
        var goneRequest = await system.StartAsync(gone, "sms", SystemFixture.UniqueNumber());
        await Eventually.Get(() => Task.FromResult<IReadOnlyList<ReceivedWebhook>?>(failing.Received),
            r => r.Any(w => w.RequestId == goneRequest && w.Answered == 500), "the deleted-to-be domain's first event to fail");
        await system.RequestWhenAsync(goneRequest, r => r.Str("status") == "delivered", "the request to settle: no event of it comes after this", gone.ApiKey);

        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{gone.Name}")).StatusCode);
        await using (var db = await system.Database.OpenConnectionAsync())
            Assert.Equal(0, await db.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM status_webhook_deliveries WHERE request_id = @goneRequest AND status IN ('pending', 'failing')", new { goneRequest }));

        // A new tenant takes the name and sets a webhook: it gets its own events, and none of the deleted domain's.
        var account = await system.NewAccountAsync();
        var key = await system.CreateDomainAsync(gone.Name, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        }, 1000);
        await using var taker = await WebhookReceiver.StartAsync();
        using (var http = system.Ingress.CreateHttpClient(key))
            Assert.Equal(HttpStatusCode.Created, (await http.PutAsJsonAsync($"/domains/{gone.Name}/status-webhook", new { status_webhook_url = taker.Url })).StatusCode);
        var ownRequest = await (await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Mine", gone.Name), key)).AcceptedRequestIdAsync();
        await DeliveredAsync(taker, ownRequest, "delivered");
        Assert.DoesNotContain(taker.Received, w => w.RequestId == goneRequest);
    }

    [Fact]
    public async Task Nothing_is_sent_for_a_domain_without_a_webhook_or_for_another_domain()
    {
        var (withHook, _, receiver) = await DomainWithWebhookAsync("hook-mine");
        await using var _ = receiver;
        var other = await system.NewBilledDomainAsync("hook-other", 1000);
        var otherId = await system.StartAsync(other, "sms", SystemFixture.UniqueNumber());
        await system.RequestWhenAsync(otherId, r => r.Str("status") == "delivered", "the other domain's sms to be delivered");
        var mine = await system.StartAsync(withHook, "sms", SystemFixture.UniqueNumber());
        await DeliveredAsync(receiver, mine, "delivered");

        Assert.DoesNotContain(receiver.Received, w => w.RequestId == otherId);
        Assert.All(receiver.Received, w => Assert.Equal(withHook.Name, w.Json.Str("domain_name")));
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM status_webhook_deliveries WHERE request_id = @otherId", new { otherId }));

        // Another domain's key can neither read nor change this domain's webhook.
        using var otherHttp = system.Ingress.CreateHttpClient(other.ApiKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherHttp.GetAsync($"/domains/{withHook.Name}/status-webhook/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherHttp.PutAsJsonAsync($"/domains/{withHook.Name}/status-webhook", new { status_webhook_url = "https://example.com/x" })).StatusCode);
    }

    [Fact]
    public async Task A_rotated_secret_signs_the_next_events_and_the_old_one_no_longer_verifies()
    {
        var (domain, oldSecret, receiver) = await DomainWithWebhookAsync("hook-rotate");
        await using var _ = receiver;
        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        var rotated = await http.PostAsync($"/domains/{domain.Name}/status-webhook/secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = (await rotated.JsonAsync()).Str("signing_secret");
        Assert.NotEqual(oldSecret, newSecret);

        var id = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        var last = (await DeliveredAsync(receiver, id, "delivered")).Last(w => w.RequestId == id);
        Assert.True(StatusWebhookSignature.Verify(newSecret, last.Signature, last.Body, DateTimeOffset.UtcNow, ReplayWindow));
        Assert.False(StatusWebhookSignature.Verify(oldSecret, last.Signature, last.Body, DateTimeOffset.UtcNow, ReplayWindow));
    }

    public static TheoryData<string> RefusedUrls() => new()
    {
        "http://example.com/events",       // plain http to a host the operator did not allow
        "https://localhost/events",        // loopback
        "https://10.1.2.3/events",         // private
        "https://169.254.169.254/latest",  // link-local (cloud metadata)
        "ftp://example.com/events",
        "not a url",
    };

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task A_url_that_is_not_https_or_points_inside_is_refused_naming_the_field(string url)
    {
        var domain = await system.NewBilledDomainAsync("hook-refused", 0);
        using var http = system.Ingress.CreateHttpClient(domain.ApiKey);
        var response = await http.PutAsJsonAsync($"/domains/{domain.Name}/status-webhook", new { status_webhook_url = url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.JsonAsync())["errors"]?["status_webhook_url"]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/domains/{domain.Name}/status-webhook")).StatusCode);
    }
}
