using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>
/// Per-sender pacing: a batch on a sender limited to 5/s reaches Twilio (the emulator) at no more than 5 in any second, while another
/// domain's single request, sent meanwhile through the interactive lane, reaches it before the batch has finished.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class PacingTests(SystemFixture system)
{
    [Fact]
    public async Task A_200_row_batch_on_a_5_per_second_sender_never_reaches_Twilio_faster_while_another_domains_request_goes_through()
    {
        var batchDomain = await system.DomainAsync("pace", new Dictionary<string, string> { ["twilio_sms_rate_per_second"] = "5" });
        var other = await system.DomainAsync("pace-other");
        var recipients = Enumerable.Range(0, 200).Select(_ => SystemFixture.UniqueNumber()).ToList();
        await system.UploadAsync(batchDomain, CampaignTestKit.SmsCsv(recipients), "paced-200");

        // The batch is under way (its first rows reached Twilio) when the other domain's single request comes in.
        await Eventually.Get(async () => await system.FromSenderAsync(batchDomain.SmsNumber), sent => sent.Count >= 5, "the batch to start reaching Twilio");
        var single = SystemFixture.UniqueNumber();
        var singleId = await (await system.StartAsync(Api.StartBody(single, "sms", "informational", "Your code is ready", other.Name), other.Key))
            .AcceptedRequestIdAsync();
        var singleSent = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(single)).SingleOrDefault(), _ => true,
            "the other domain's request to reach Twilio", TimeSpan.FromSeconds(20));

        var batchSent = await Eventually.Get(async () => await system.FromSenderAsync(batchDomain.SmsNumber), sent => sent.Count >= 200,
            "every row of the batch to reach Twilio", TimeSpan.FromSeconds(120));
        Assert.Equal(200, batchSent.Count);
        CampaignTestKit.EachOnce(recipients, batchSent);

        // No one-second window holds more than five of the batch's create calls, as Twilio received them.
        var times = batchSent.Select(r => r.Time).ToList();
        var busiest = times.Select((start, i) => times.Skip(i).TakeWhile(t => t - start < TimeSpan.FromSeconds(1)).Count()).Max();
        Assert.True(busiest <= 5, $"a one-second window held {busiest} of the batch's messages");

        // The other domain's request did not wait for the batch.
        Assert.True(singleSent.Time < times[^1], $"the single request reached Twilio at {singleSent.Time:O}, after the batch's last row at {times[^1]:O}");
        Assert.Equal(other.SmsNumber, singleSent.From);
        await system.RequestWithSidAsync(singleId, other.Key);
    }
}
