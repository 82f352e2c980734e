using System.Net;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>
/// Pacing never holds a worker: one tenant's backlog on a long code paced at 1 per second, sent through <c>POST /start</c> (the
/// interactive lane every tenant shares), is parked in the schedule while it waits for its sender, so another tenant's sms,
/// WhatsApp template and call go out at once instead of behind it.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class PacingFairnessTests(SystemFixture system)
{
    private const int Backlog = 1_000;

    [Fact]
    public async Task A_tenants_thousand_paced_messages_do_not_hold_another_tenants_sms_whatsapp_and_call()
    {
        var paced = await system.DomainAsync("backlog", new Dictionary<string, string> { ["twilio_sms_rate_per_second"] = "1" });
        var other = await system.DomainAsync("fair-other");
        var backlog = await StartBacklogAsync(paced);
        try
        {
            // The backlog is in: every one of its requests was accepted, and it has started to reach Twilio at its pace.
            await Eventually.Get(async () => await system.FromSenderAsync(paced.SmsNumber), sent => sent.Count >= 1, "the backlog to start reaching Twilio");

            var people = new Dictionary<string, string> { ["sms"] = SystemFixture.UniqueNumber(), ["wmsg"] = SystemFixture.UniqueNumber(), ["phone"] = SystemFixture.UniqueNumber() };
            foreach (var (channel, person) in people)
                await (await system.StartAsync(Api.StartBody(person, channel, "informational", "Your table is ready", other.Name), other.Key)).AcceptedRequestIdAsync();

            foreach (var (channel, person) in people)
            {
                var reached = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(person)).FirstOrDefault(Api.IsForRequest), _ => true,
                    $"the other tenant's {channel} to reach Twilio");
                Assert.Equal(channel == "phone" ? "Calls" : "Messages", reached.Resource);
            }

            // It went ahead of the backlog, not after it: at 1 per second, most of the backlog has still not reached Twilio.
            var backlogSent = await system.FromSenderAsync(paced.SmsNumber);
            Assert.True(backlogSent.Count < Backlog / 2, $"{backlogSent.Count} of the paced tenant's {Backlog} messages reached Twilio before the other tenant's");

            // The waiting backlog is parked with its slot, visible as scheduled, not held by a worker.
            var waiting = await system.RequestWhenAsync(backlog[^1], r => r.Str("status") == "scheduled", "the backlog's last request to wait, parked", paced.Key);
            Assert.NotNull(waiting["send_at"]);
        }
        finally
        {
            await CancelAsync(paced, backlog);
        }
    }

    private async Task<List<Guid>> StartBacklogAsync(CampaignTestKit.TestDomain paced)
    {
        var ids = new Guid[Backlog];
        await Parallel.ForEachAsync(Enumerable.Range(0, Backlog), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            ids[i] = await (await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", $"Backlog {i}", paced.Name), paced.Key))
                .AcceptedRequestIdAsync());
        return [.. ids];
    }

    // What is still parked is cancelled, so the rest of the run does not send it at 1 per second.
    private async Task CancelAsync(CampaignTestKit.TestDomain paced, List<Guid> backlog)
    {
        using var http = system.Ingress.CreateHttpClient(paced.Key);
        await Parallel.ForEachAsync(backlog, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
        {
            using var response = await http.PostAsync($"/requests/{id}/cancel", null, ct);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"cancelling {id} answered {(int)response.StatusCode}");
        });
    }
}
