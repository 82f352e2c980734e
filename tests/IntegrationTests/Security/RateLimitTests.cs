using System.Net;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Ingress's budgets (README, "Rate limits"), set low in an Ingress of this test's own: past a key's budget, or an address's on
/// Twilio's webhooks or without a key, the answer is 429 with Retry-After and a problem body naming the budget, never a 5xx;
/// another key and another address go on as before, and health checks are never limited.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class RateLimitTests(SystemFixture system) : IAsyncLifetime
{
    private ServiceHost<IngressApiEntryPoint> _ingress = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["Batches:DropFolder"] = "",
            ["RateLimits:PerKeyPerSecond"] = "1", ["RateLimits:PerKeyBurst"] = "3",
            ["RateLimits:AnonymousPerSecond"] = "1", ["RateLimits:AnonymousBurst"] = "4",
            ["RateLimits:TwilioPerSecond"] = "1", ["RateLimits:TwilioBurst"] = "3",
        };
        _ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, system.Logs);
        await Task.Run(_ingress.StartServer);
    }

    public async Task DisposeAsync() => await _ingress.DisposeAsync();

    [Fact]
    public async Task Past_a_keys_budget_the_answer_is_429_with_Retry_After_and_another_key_goes_on()
    {
        var flooding = await system.CreateDomainAsync(Api.NewDomainName("flood"), new Dictionary<string, string>());
        var quiet = await system.CreateDomainAsync(Api.NewDomainName("quiet"), new Dictionary<string, string>());
        using var http = _ingress.CreateHttpClient(flooding);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/me")).StatusCode); // now this process knows the key

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => http.GetAsync("/me")));

        await AssertLimitedAsync(answers, "api_key");
        using var other = _ingress.CreateHttpClient(quiet);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Past_an_addresss_budget_webhooks_and_keyless_calls_get_429_and_another_address_goes_on()
    {
        using var here = new HttpClient { BaseAddress = _ingress.BaseAddress };
        var form = new Dictionary<string, string> { ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["MessageStatus"] = "delivered" };
        var callbacks = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            here.PostAsync("/twilio/status/message?channel=sms", new FormUrlEncodedContent(form))));
        await AssertLimitedAsync(callbacks, "twilio");
        Assert.Contains(callbacks, a => a.StatusCode == HttpStatusCode.Forbidden); // the first few are checked, and refused unsigned

        var keyless = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/me");
            if (i % 2 == 0) request.Headers.Add("X-Api-Key", "av_" + Guid.NewGuid().ToString("N")); // made-up keys count as no key
            return here.SendAsync(request);
        }));
        await AssertLimitedAsync(keyless, "anonymous");
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/health/ready")).StatusCode);

        // Another address has budgets of its own.
        using var there = FromAddress("127.0.0.2");
        Assert.Equal(HttpStatusCode.Forbidden, (await there.PostAsync("/twilio/status/message?channel=sms", new FormUrlEncodedContent(form))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await there.GetAsync("/me")).StatusCode);
    }

    /// <summary>Some answers are 429 with Retry-After and a problem body naming <paramref name="limit"/>; none is a 5xx.</summary>
    private static async Task AssertLimitedAsync(HttpResponseMessage[] answers, string limit)
    {
        Assert.DoesNotContain(answers, a => (int)a.StatusCode >= 500);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        foreach (var answer in refused)
        {
            var retryAfter = Assert.Single(answer.Headers.GetValues("Retry-After"));
            Assert.True(int.TryParse(retryAfter, out var seconds) && seconds >= 1, $"Retry-After: {retryAfter}");
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            var body = await answer.JsonAsync();
            Assert.Equal("rate_limited", body.Str("code"));
            Assert.Equal(limit, body.Str("limit"));
            Assert.StartsWith("RateLimits:", body.Str("setting"));
        }
    }

    /// <summary>A client whose connections come from <paramref name="address"/>.</summary>
    private HttpClient FromAddress(string address) => new(SourceAddress.Handler(address)) { BaseAddress = _ingress.BaseAddress };
}
