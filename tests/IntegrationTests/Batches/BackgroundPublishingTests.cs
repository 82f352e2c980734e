using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Batches;

/// <summary>
/// POST /batches answers once the file is spooled and validated; the rows go out in the background, followed on
/// GET /batches/{id}, and a batch an Ingress left publishing is taken up from its spooled file by the next one.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BackgroundPublishingTests(SystemFixture system)
{
    private const string Header = "phone_number,name,email,instruction,call_type,channel";

    private async Task<string> SmsDomainKeyAsync()
    {
        var account = await system.NewAccountAsync();
        return await system.CreateDomainAsync(Api.NewDomainName("bgpub"), new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token,
            ["twilio_sms_number"] = SystemFixture.UniqueNumber(), ["twilio_phone_number"] = SystemFixture.UniqueNumber(), ["twilio_whatsapp_number"] = SystemFixture.UniqueNumber(),
        });
    }

    private static byte[] Csv(IEnumerable<string> numbers) =>
        Encoding.UTF8.GetBytes(Header + "\n" + string.Concat(numbers.Select((n, i) => $"{n},Person {i},,Row {i},informational,sms\n")));

    private static async Task<JsonObject> UploadAsync(ServiceHost<IngressApiEntryPoint> ingress, string key, byte[] csv, string batchId)
    {
        using var http = ingress.CreateHttpClient(key);
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await http.PostAsync($"/batches?batch_id={batchId}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<JsonObject> BatchAsync(ServiceHost<IngressApiEntryPoint> ingress, string key, string batchId)
    {
        using var http = ingress.CreateHttpClient(key);
        return await (await http.GetAsync($"/batches/{batchId}")).JsonAsync();
    }

    /// <summary>A request sent after the batch's rows has reached Twilio: a duplicate of a row would have reached it too by then.</summary>
    private async Task AfterAMarkerRequestAsync()
    {
        var marker = await (await system.StartAsync(new { phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "t", instruction = "marker" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(marker);
    }

    private async Task EachReachedTwilioOnceAsync(IEnumerable<string> numbers)
    {
        foreach (var number in numbers)
            await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(number)).SingleOrDefault(), _ => true, $"the sms to {number}", TimeSpan.FromSeconds(60));
        await AfterAMarkerRequestAsync();
        foreach (var number in numbers) Assert.Single(await system.Emulator.GetRequestsAsync(number));
    }

    /// <summary>Settings of an Ingress of its own with the given spool folder; without a broker when <paramref name="brokerless"/>.</summary>
    private Dictionary<string, string?> IngressSettings(string spoolFolder, bool brokerless)
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["Batches:DropFolder"] = "",
            ["Batches:SpoolFolder"] = spoolFolder,
            ["Batches:PublishChunkRows"] = "10",
        };
        if (brokerless)
        {
            settings["RabbitMq:Port"] = FreePort.Next().ToString(); // nothing listens there
            settings["RabbitMq:PublishTimeout"] = "00:00:01";
        }
        return settings;
    }

    /// <summary>
    /// Uploads the batch to an Ingress whose broker is away, sees it wait rather than fail, then stops that Ingress: the batch is
    /// left publishing with its spooled file, as a restart or a crash leaves it. <paramref name="beforeStop"/> runs while it waits.
    /// </summary>
    private async Task<(Guid Uuid, string SpoolPath)> LeavePublishingAsync(string key, byte[] csv, string batchId, string spoolFolder, Func<Guid, string, Task>? beforeStop = null)
    {
        await using var down = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), IngressSettings(spoolFolder, brokerless: true), new LogCapture());
        await Task.Run(down.StartServer);
        var answer = await UploadAsync(down, key, csv, batchId);
        Assert.Equal("publishing", answer.Str("status"));

        // The broker is away: the batch waits and says why; it does not fail.
        var waiting = await Eventually.Get(() => BatchAsync(down, key, batchId), b => b["waiting_reason"] is not null, "the batch to wait for the broker");
        Assert.Equal(("publishing", 0), (waiting.Str("status"), waiting["published_count"]!.GetValue<int>()));
        Assert.Contains("broker", waiting.Str("waiting_reason"));
        var uuid = answer["batch_uuid"]!.GetValue<Guid>();
        await using var db = await system.Database.OpenConnectionAsync();
        var spoolPath = await db.QuerySingleAsync<string>("SELECT spool_path FROM batches WHERE id = @uuid", new { uuid });
        Assert.StartsWith(spoolFolder, spoolPath);
        Assert.True(File.Exists(spoolPath));
        if (beforeStop is not null) await beforeStop(uuid, spoolPath);
        return (uuid, spoolPath);
    }

    [Fact]
    public async Task The_202_comes_back_publishing_with_the_counts_then_the_batch_reaches_published_and_each_good_row_reaches_Twilio_once()
    {
        var key = await SmsDomainKeyAsync();
        var numbers = Enumerable.Range(0, 120).Select(_ => SystemFixture.UniqueNumber()).ToArray();
        var rows = numbers.Select((n, i) => $"{n},Person {i},,Row {i},informational,sms\n").ToList();
        rows.Insert(50, "0123,Bad,,Bad number,informational,sms\n"); // line 52
        rows.Insert(100, $"{SystemFixture.UniqueNumber()},Bad,,Bad channel,informational,fax\n"); // line 102
        var batchId = "bg-" + Guid.NewGuid().ToString("N")[..12];

        var answer = await UploadAsync(system.Ingress, key, Encoding.UTF8.GetBytes(Header + "\n" + string.Concat(rows)), batchId);
        Assert.Equal("publishing", answer.Str("status"));
        Assert.Equal((120, 2), (answer["accepted_count"]!.GetValue<int>(), answer["rejected_count"]!.GetValue<int>()));
        Assert.Equal(new[] { 52, 102 }, answer["rejected_rows"]!.AsArray().Select(r => r!["line_number"]!.GetValue<int>()));
        Assert.Equal($"/batches/{answer["batch_uuid"]}", answer.Str("status_url"));

        var done = await Eventually.Get(() => BatchAsync(system.Ingress, key, batchId), b => b.Str("status") != "publishing",
            "the batch to be published", TimeSpan.FromSeconds(60));
        Assert.Equal(("published", 120, 2), (done.Str("status"), done["published_count"]!.GetValue<int>(), done["rejected_count"]!.GetValue<int>()));
        Assert.Null(done["failure_reason"]);
        Assert.Null(done["waiting_reason"]);
        await EachReachedTwilioOnceAsync(numbers);
        var recorded = await Eventually.Get(() => BatchAsync(system.Ingress, key, batchId), b => b["pending_count"]!.GetValue<int>() == 0, "every row to be recorded");
        Assert.Equal(120, recorded["statuses"]!.AsObject().Sum(s => s.Value!.GetValue<int>()));
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Null(await db.QuerySingleAsync<string?>("SELECT spool_path FROM batches WHERE id = @id", new { id = answer["batch_uuid"]!.GetValue<Guid>() }));
    }

    [Fact]
    public async Task A_batch_left_publishing_is_resumed_after_its_last_confirmed_line_by_a_freshly_started_Ingress()
    {
        var key = await SmsDomainKeyAsync();
        var numbers = Enumerable.Range(0, 40).Select(_ => SystemFixture.UniqueNumber()).ToArray();
        var batchId = "resume-" + Guid.NewGuid().ToString("N")[..12];
        var spoolFolder = Directory.CreateTempSubdirectory("aventora-spool-resume-").FullName;
        // As an Ingress that had its first 10 rows (lines 2 to 11) confirmed by the broker records it before it stops.
        var (_, spoolPath) = await LeavePublishingAsync(key, Csv(numbers), batchId, spoolFolder, async (uuid, _) =>
        {
            await using var db = await system.Database.OpenConnectionAsync();
            await db.ExecuteAsync("UPDATE batches SET published_through_line = 11, published_count = 10 WHERE id = @uuid", new { uuid });
        });
        Assert.True(File.Exists(spoolPath), "a stopping Ingress keeps the spooled file of a batch it has not finished");

        await using var fresh = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), IngressSettings(spoolFolder, brokerless: false), new LogCapture());
        await Task.Run(fresh.StartServer);
        var done = await Eventually.Get(() => BatchAsync(fresh, key, batchId), b => b.Str("status") != "publishing",
            "the batch to be resumed and published", TimeSpan.FromSeconds(60));
        Assert.Equal(("published", 40), (done.Str("status"), done["published_count"]!.GetValue<int>()));
        Assert.Null(done["waiting_reason"]);
        Assert.False(File.Exists(spoolPath), "the spooled file is deleted once the batch is published");

        await EachReachedTwilioOnceAsync(numbers[10..]);
        foreach (var number in numbers[..10]) Assert.Empty(await system.Emulator.GetRequestsAsync(number)); // confirmed before the stop: not sent again
        Directory.Delete(spoolFolder, recursive: true);
    }

    [Fact]
    public async Task A_batch_whose_spooled_file_is_gone_fails_with_the_reason_and_the_same_file_uploaded_again_sends_the_rest()
    {
        var key = await SmsDomainKeyAsync();
        var numbers = Enumerable.Range(0, 5).Select(_ => SystemFixture.UniqueNumber()).ToArray();
        var batchId = "gone-" + Guid.NewGuid().ToString("N")[..12];
        var spoolFolder = Directory.CreateTempSubdirectory("aventora-spool-gone-").FullName;
        // Lost while the Ingress waited for the broker (a folder that was not durable, a clean-up by hand).
        var (_, spoolPath) = await LeavePublishingAsync(key, Csv(numbers), batchId, spoolFolder, (_, path) =>
        {
            File.Delete(path);
            return Task.CompletedTask;
        });

        await using var fresh = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), IngressSettings(spoolFolder, brokerless: false), new LogCapture());
        await Task.Run(fresh.StartServer);
        var failed = await Eventually.Get(() => BatchAsync(fresh, key, batchId), b => b.Str("status") != "publishing", "the batch to fail");
        Assert.Equal("failed", failed.Str("status"));
        Assert.Contains("spooled copy", failed.Str("failure_reason"));
        Assert.Contains(batchId, failed.Str("failure_reason"));
        foreach (var number in numbers) Assert.Empty(await system.Emulator.GetRequestsAsync(number));

        var again = await UploadAsync(fresh, key, Csv(numbers), batchId);
        Assert.Equal("publishing", again.Str("status"));
        var done = await Eventually.Get(() => BatchAsync(fresh, key, batchId), b => b.Str("status") != "publishing", "the batch to be published");
        Assert.Equal(("published", 5), (done.Str("status"), done["published_count"]!.GetValue<int>()));
        Assert.Null(done["failure_reason"]);
        await EachReachedTwilioOnceAsync(numbers);
        Directory.Delete(spoolFolder, recursive: true);
    }
}
