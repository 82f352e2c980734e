using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>What a user does through the HTTP API, in a few words per step.</summary>
public static class Api
{
    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<Guid> AcceptedRequestIdAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["request_id"]!.GetValue<Guid>();
    }

    /// <summary>Polls GET /requests/{id} until the request reaches a state <paramref name="until"/> accepts.</summary>
    public static async Task<JsonObject> RequestWhenAsync(
        this SystemFixture system, Guid id, Func<JsonObject, bool> until, string what, string? apiKey = SystemFixture.AdminKey, TimeSpan? within = null)
    {
        using var http = system.Ingress.CreateHttpClient(apiKey);
        return await Eventually.Get(async () =>
        {
            var response = await http.GetAsync($"/requests/{id}");
            return response.IsSuccessStatusCode ? await response.JsonAsync() : null;
        }, until, what, within);
    }

    public static Task<JsonObject> RequestWithSidAsync(this SystemFixture system, Guid id, string? apiKey = SystemFixture.AdminKey) =>
        system.RequestWhenAsync(id, r => r["twilio_sid"] is not null || r["status"]?.GetValue<string>() == "failed", $"request {id} to reach Twilio", apiKey);

    public static Task<JsonObject> RequestFailedAsync(this SystemFixture system, Guid id) =>
        system.RequestWhenAsync(id, r => r["status"]?.GetValue<string>() == "failed", $"request {id} to fail");

    /// <summary>Creates a domain through the admin endpoints, grants it <paramref name="credits"/>, and returns an API key of its own.</summary>
    public static async Task<string> CreateDomainAsync(this SystemFixture system, string name, object technicalJson, int credits = 100_000)
    {
        var created = await system.Admin.PostAsJsonAsync("/admin/domains", new { domain_name = name, technical_json = technicalJson });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        if (credits > 0)
        {
            var granted = await system.Admin.PostAsJsonAsync($"/admin/domains/{name}/credits", new { credits, reason = "integration tests" });
            Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        }
        var key = await system.Admin.PostAsJsonAsync($"/admin/domains/{name}/api-keys", new { label = "tests" });
        Assert.True(key.IsSuccessStatusCode, await key.Content.ReadAsStringAsync());
        return (await key.JsonAsync())["api_key"]!.GetValue<string>();
    }

    /// <summary>A creation (message or call) for a request, as opposed to an assistant's reply: its status callback names the request.</summary>
    public static bool IsForRequest(Aventora.TwilioEmulator.Inspection.RecordedRequest r) =>
        r.Method == "POST" && r.Form.GetValueOrDefault("StatusCallback")?.Contains("request_id=") == true;

    /// <summary>Waits until Twilio was asked to create something for a request to <paramref name="number"/>, and returns that one ask (a second fails).</summary>
    public static async Task<Aventora.TwilioEmulator.Inspection.RecordedRequest> SentForRequestAsync(this SystemFixture system, string number)
    {
        var sent = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(number)).Where(IsForRequest).ToList(),
            l => l.Count > 0, $"a request to {number} to reach Twilio");
        return Assert.Single(sent);
    }

    public const string TemplateSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e";

    /// <summary>A POST /start body; wmsg gets a content template, since nobody has written in yet (WhatsApp's 24-hour window).</summary>
    public static Dictionary<string, object?> StartBody(string to, string channel, string type, string instruction, string? domain = null, string? name = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["phone_number"] = to, ["channel"] = channel, ["type"] = type, ["instruction"] = instruction, ["domain_name"] = domain, ["name"] = name,
        };
        if (channel == "wmsg")
        {
            body["content_sid"] = TemplateSid;
            body["content_variables"] = "{\"1\":\"" + (name ?? "there") + "\"}";
        }
        return body;
    }

    public static string NewDomainName(string what) => $"{what}-{Guid.NewGuid():N}"[..24];

    public static string Str(this JsonObject obj, string key) => obj[key]?.GetValue<string>() ?? "";

    public static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
