using System.Net;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>
/// POST /batches/{id}/pause|resume|cancel on a batch going out at its sender's pace (2/s): pause stops the rows not yet sent (they wait,
/// <c>paused</c>) and resume finishes the batch, each row once; cancel ends the rows not yet sent and nothing more reaches Twilio.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BatchControlTests(SystemFixture system)
{
    private const int Rows = 30;

    private static readonly string[] NotSettled = ["received", "routed", "sending", "scheduled"];

    [Fact]
    public async Task Pausing_a_batch_stops_its_unsent_rows_and_resuming_finishes_it()
    {
        var domain = await system.DomainAsync("pause", new Dictionary<string, string> { ["twilio_sms_rate_per_second"] = "2" });
        var recipients = Enumerable.Range(0, Rows).Select(_ => SystemFixture.UniqueNumber()).ToList();
        await system.UploadAsync(domain, CampaignTestKit.SmsCsv(recipients), "pausable");
        await Eventually.Get(async () => await system.FromSenderAsync(domain.SmsNumber), sent => sent.Count >= 2, "the batch to start reaching Twilio");

        var paused = await system.BatchControlAsync(domain, "pausable", "pause");
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("paused", (await paused.JsonAsync()).Str("control"));

        // Every row not sent now waits: nothing is on its way any more.
        var stopped = await Eventually.Get(() => system.BatchAsync(domain, "pausable")!,
            b => b.Int("pending_count") > 0 && b.Int("pending_count") == b.Status("paused") && NotSettled.All(s => b.Status(s) == 0),
            "every unsent row of the paused batch to wait", TimeSpan.FromSeconds(60));
        var sentWhilePaused = await system.FromSenderAsync(domain.SmsNumber);
        Assert.Equal(stopped.Int("sent_count"), sentWhilePaused.Count);
        Assert.True(sentWhilePaused.Count < Rows, $"{sentWhilePaused.Count} rows were sent although the batch was paused");
        Assert.Equal(Rows, stopped.Int("sent_count") + stopped.Int("pending_count"));

        var resumed = await system.BatchControlAsync(domain, "pausable", "resume");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var finished = await Eventually.Get(() => system.BatchAsync(domain, "pausable")!,
            b => b.Int("sent_count") == Rows && b.Int("pending_count") == 0, "the resumed batch to finish", TimeSpan.FromSeconds(90));
        Assert.Equal("running", finished.Str("control"));
        var sent = await system.FromSenderAsync(domain.SmsNumber);
        CampaignTestKit.EachOnce(recipients, sent);
    }

    [Fact]
    public async Task Cancelling_a_batch_ends_its_unsent_rows_and_nothing_more_reaches_Twilio()
    {
        var domain = await system.DomainAsync("cancel", new Dictionary<string, string> { ["twilio_sms_rate_per_second"] = "2" });
        var recipients = Enumerable.Range(0, Rows).Select(_ => SystemFixture.UniqueNumber()).ToList();
        await system.UploadAsync(domain, CampaignTestKit.SmsCsv(recipients), "cancellable");
        await Eventually.Get(async () => await system.FromSenderAsync(domain.SmsNumber), sent => sent.Count >= 2, "the batch to start reaching Twilio");

        var cancelled = await system.BatchControlAsync(domain, "cancellable", "cancel");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var ended = await Eventually.Get(() => system.BatchAsync(domain, "cancellable")!,
            b => b.Int("pending_count") == 0 && b.Int("sent_count") + b.Int("cancelled_count") == Rows, "every row of the cancelled batch to settle",
            TimeSpan.FromSeconds(60));
        Assert.True(ended.Int("cancelled_count") > 0, "no row was cancelled");
        Assert.Equal(ended.Int("sent_count"), (await system.FromSenderAsync(domain.SmsNumber)).Count);

        // A cancelled batch stays cancelled.
        Assert.Equal(HttpStatusCode.Conflict, (await system.BatchControlAsync(domain, "cancellable", "resume")).StatusCode);
    }
}
