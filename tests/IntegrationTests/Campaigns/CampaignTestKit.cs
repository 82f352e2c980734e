using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>Domains with sender numbers of their own and campaign settings, batches of sms rows, and how a batch stands.</summary>
public static class CampaignTestKit
{
    public sealed record TestDomain(string Name, string Key, string SmsNumber);

    public static async Task<TestDomain> DomainAsync(this SystemFixture system, string what, IDictionary<string, string>? campaign = null)
    {
        var account = await system.NewAccountAsync();
        var sms = SystemFixture.UniqueNumber();
        var technical = new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token,
            ["twilio_sms_number"] = sms, ["twilio_phone_number"] = SystemFixture.UniqueNumber(), ["twilio_whatsapp_number"] = SystemFixture.UniqueNumber(),
        };
        foreach (var (key, value) in campaign ?? new Dictionary<string, string>()) technical[key] = value;
        var name = Api.NewDomainName(what);
        return new TestDomain(name, await system.CreateDomainAsync(name, technical), sms);
    }

    public static byte[] SmsCsv(IReadOnlyList<string> numbers) =>
        Encoding.UTF8.GetBytes("phone_number,name,email,instruction,call_type,channel\n"
            + string.Concat(numbers.Select((n, i) => $"{n},Person {i},,Row {i},informational,sms\n")));

    public static async Task<JsonObject> UploadAsync(this SystemFixture system, TestDomain domain, byte[] csv, string batchId)
    {
        using var http = system.Ingress.CreateHttpClient(domain.Key);
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await http.PostAsync($"/batches?batch_id={batchId}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> BatchAsync(this SystemFixture system, TestDomain domain, string batchId)
    {
        using var http = system.Ingress.CreateHttpClient(domain.Key);
        return await (await http.GetAsync($"/batches/{batchId}")).JsonAsync();
    }

    public static async Task<HttpResponseMessage> BatchControlAsync(this SystemFixture system, TestDomain domain, string batchId, string action)
    {
        using var http = system.Ingress.CreateHttpClient(domain.Key);
        return await http.PostAsync($"/batches/{batchId}/{action}", null);
    }

    public static int Int(this JsonObject obj, string key) => obj[key]?.GetValue<int>() ?? 0;

    public static int Status(this JsonObject batch, string status) => batch["statuses"]?[status]?.GetValue<int>() ?? 0;

    /// <summary>Each recipient reached Twilio exactly once: names the missing and the repeated ones otherwise.</summary>
    public static void EachOnce(IEnumerable<string> recipients, IEnumerable<Aventora.TwilioEmulator.Inspection.RecordedRequest> sent)
    {
        var expected = recipients.ToList();
        var to = sent.Select(r => r.To ?? "(none)").ToList();
        var missing = expected.Except(to).ToList();
        var repeated = to.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var unexpected = to.Except(expected).ToList();
        Assert.True(missing.Count == 0 && repeated.Count == 0 && unexpected.Count == 0 && to.Count == expected.Count,
            $"{to.Count} sent for {expected.Count} rows; missing: {string.Join(",", missing)}; repeated: {string.Join(",", repeated)}; not rows: {string.Join(",", unexpected)}");
    }

    /// <summary>Create calls the emulator received from <paramref name="sender"/> (messages), oldest first.</summary>
    public static async Task<List<Aventora.TwilioEmulator.Inspection.RecordedRequest>> FromSenderAsync(this SystemFixture system, string sender) =>
        (await system.Emulator.GetRequestsAsync())
            .Where(r => r.Method == "POST" && r.Resource == "Messages" && r.Succeeded && r.From == sender).OrderBy(r => r.Time).ToList();

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);
}
