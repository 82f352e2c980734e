using System.Globalization;
using System.Net;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Observability;

/// <summary>Every service serves Prometheus' /metrics, and a sent sms moves the counters an operator watches.</summary>
[Collection(SystemCollection.Name)]
public sealed class MetricsTests(SystemFixture system)
{
    private static async Task<string> ScrapeAsync(Uri service)
    {
        using var http = new HttpClient { BaseAddress = service };
        var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of a metric's samples whose labels include every one of <paramref name="labels"/> (e.g. <c>channel="sms"</c>).</summary>
    private static double Sum(string scrape, string metric, params string[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(line.Contains))
            .Select(line => line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0]) // name{labels} value [timestamp]
            .Sum(value => double.Parse(value, CultureInfo.InvariantCulture));

    [Fact]
    public async Task Every_service_answers_metrics()
    {
        foreach (var service in new[] { system.Ingress.BaseAddress, system.Dispatcher.BaseAddress, system.Messaging.BaseAddress, system.Voice.BaseAddress })
        {
            var scrape = await ScrapeAsync(service);
            Assert.Contains("# TYPE", scrape);
            Assert.Contains("target_info", scrape); // the service's resource
        }
    }

    [Fact]
    public async Task A_sent_sms_moves_the_accepted_sent_latency_and_credit_metrics()
    {
        var domain = await system.NewBilledDomainAsync("metrics", 1000);
        async Task<Counters> ReadAsync()
        {
            var ingress = await ScrapeAsync(system.Ingress.BaseAddress);
            var messaging = await ScrapeAsync(system.Messaging.BaseAddress);
            var dispatcher = await ScrapeAsync(system.Dispatcher.BaseAddress);
            return new Counters(Sum(ingress, "aventora_requests_accepted_total", "channel=\"sms\"", "source=\"api\""),
                Sum(messaging, "aventora_outbound_attempts_total", "channel=\"sms\"", "outcome=\"sent\""),
                Sum(messaging, "aventora_twilio_request_duration_seconds_count", "channel=\"sms\"", "outcome=\"created\""),
                Sum(dispatcher, "aventora_credits_reserved_total", "channel=\"sms\""),
                Sum(dispatcher, "aventora_credits_charged_total", "channel=\"sms\""));
            // MassTransit's own consume meters are not asserted here: MassTransit binds them to the first bus of the process,
            // and in this test process another whole system (ClockedSystemFixture) may have come and gone before this one.
        }

        var before = await ReadAsync();
        await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        var after = await Eventually.Get(async () => await ReadAsync(), x =>
        {
            return x.Accepted > before.Accepted && x.Sent > before.Sent && x.Latency > before.Latency
                && x.Reserved >= before.Reserved + 3 && x.Charged >= before.Charged + 3;
        }, "the counters to move after one sms");
        Assert.NotNull(after);
    }

    private sealed record Counters(double Accepted, double Sent, double Latency, double Reserved, double Charged);
}
