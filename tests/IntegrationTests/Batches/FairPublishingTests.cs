using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Batches;

/// <summary>
/// Batches are published round-robin over tenants, a chunk at a time: one tenant's two large batches do not keep another
/// tenant's small one waiting until either of them is done (README, "Fair shares").
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class FairPublishingTests(SystemFixture system)
{
    private const string Header = "phone_number,name,email,instruction,call_type,channel";
    private const int LargeRows = 2000;

    private static byte[] Csv(IEnumerable<string> numbers) =>
        Encoding.UTF8.GetBytes(Header + "\n" + string.Concat(numbers.Select((n, i) => $"{n},P{i},,Row {i},informational,sms\n")));

    private static async Task<Guid> UploadAsync(ServiceHost<IngressApiEntryPoint> ingress, string key, byte[] csv, string batchId)
    {
        using var http = ingress.CreateHttpClient(key);
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await http.PostAsync($"/batches?batch_id={batchId}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["batch_uuid"]!.GetValue<Guid>();
    }

    /// <summary>The batches' statuses, read in one statement: one moment's picture of all of them.</summary>
    private async Task<Dictionary<Guid, string>?> StatusesAsync(params Guid[] ids)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return (await db.QueryAsync<(Guid Id, string Status)>("SELECT id, status FROM batches WHERE id = ANY(@ids)", new { ids }))
            .ToDictionary(b => b.Id, b => b.Status);
    }

    [Fact]
    public async Task A_small_batch_of_one_tenant_is_published_between_the_chunks_of_another_tenants_two_large_batches()
    {
        var spoolFolder = Directory.CreateTempSubdirectory("aventora-spool-fair-").FullName;
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["Batches:DropFolder"] = "",
            ["Batches:SpoolFolder"] = spoolFolder,
            // Two batches at once, as by default, but slow: one confirm at a time, 20 rows a chunk, so the large ones take a while.
            ["Batches:MaxBatchesPublishing"] = "2",
            ["Batches:PublishConcurrency"] = "1",
            ["Batches:PublishChunkRows"] = "20",
            // Only this Ingress publishes them: the fixture's own Ingress would take a batch over only after its lease.
            ["Batches:LeaseFor"] = "00:05:00",
        };
        await using var ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, new LogCapture());
        await Task.Run(ingress.StartServer);

        var large = await system.NewBilledDomainAsync("fair-large", 0); // its rows end insufficient_credits: none reaches Twilio
        var small = await system.NewBilledDomainAsync("fair-small", 1000);
        var first = await UploadAsync(ingress, large.ApiKey, Csv(Enumerable.Range(0, LargeRows).Select(_ => SystemFixture.UniqueNumber())), "large-1");
        var second = await UploadAsync(ingress, large.ApiKey, Csv(Enumerable.Range(0, LargeRows).Select(_ => SystemFixture.UniqueNumber())), "large-2");
        var numbers = Enumerable.Range(0, 5).Select(_ => SystemFixture.UniqueNumber()).ToArray();
        var mine = await UploadAsync(ingress, small.ApiKey, Csv(numbers), "small");

        // When the small batch is published, both large ones are still publishing: it did not wait for either of them.
        var seen = await Eventually.Get(() => StatusesAsync(first, second, mine), s => s[mine] != "publishing",
            "the small batch to be published", TimeSpan.FromSeconds(60));
        Assert.Equal("published", seen[mine]);
        Assert.Equal(("publishing", "publishing"), (seen[first], seen[second]));

        foreach (var number in numbers)
            await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(number)).SingleOrDefault(), _ => true, $"the sms to {number}", TimeSpan.FromSeconds(60));

        // The large batches still go out whole, and their last rows were recorded after every row of the small one.
        await Eventually.Get(() => StatusesAsync(first, second), s => s.Values.All(v => v == "published"), "the large batches to be published", TimeSpan.FromSeconds(180));
        await using var db = await system.Database.OpenConnectionAsync();
        await Eventually.Get(async () => (int?)await db.ExecuteScalarAsync<int>("SELECT count(*) FROM call_logs WHERE batch_id = ANY(@ids)", new { ids = new[] { first, second } }),
            n => n == 2 * LargeRows, "every row of the large batches to be recorded", TimeSpan.FromSeconds(180));
        var lastOfSmall = await db.ExecuteScalarAsync<DateTime>("SELECT max(created_at) FROM call_logs WHERE batch_id = @mine", new { mine });
        foreach (var batch in new[] { first, second })
            Assert.True(await db.ExecuteScalarAsync<DateTime>("SELECT max(created_at) FROM call_logs WHERE batch_id = @batch", new { batch }) > lastOfSmall,
                "the small batch's rows are recorded before the large batches' last rows");
        Directory.Delete(spoolFolder, recursive: true);
    }
}
