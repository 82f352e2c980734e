using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Aventora.Faults.Setup;

/// <summary>
/// The domain the suite sends for, made as an operator would: its own Twilio account (registered with the emulator), its own
/// sender numbers, credits for every request at the dearest price, and its own API key. (The same steps as the benchmark's
/// BenchDomain on wip/bench; kept separate so neither project depends on the other.)
/// </summary>
public sealed record FaultDomain(string Name, string AccountSid, string ApiKey, long CreditsGranted)
{
    public static async Task<FaultDomain> CreateAsync(HttpClient ingress, HttpClient emulator, string adminKey, string name, int requests, CancellationToken ct)
    {
        var accountSid = "AC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await Expect(await emulator.PostAsJsonAsync("_emulator/accounts", new { sid = accountSid, auth_token = token }, ct),
            "register the domain's account with the emulator", ct);

        await Admin(ingress, adminKey, "admin/domains", new
        {
            domain_name = name,
            technical_json = new Dictionary<string, string>
            {
                ["twilio_account_sid"] = accountSid,
                ["twilio_auth_token"] = token,
                ["twilio_sms_number"] = "+12025559101",
                ["twilio_phone_number"] = "+12025559102",
                ["twilio_whatsapp_number"] = "+12025559103",
            },
        }, "create the domain", ct);
        // Enough for every request at the dearest call price, with room: the suite measures billing, not refusals.
        long credits = Math.Max(1000, requests * 50L);
        await Admin(ingress, adminKey, $"admin/domains/{name}/credits", new { credits, reason = "fault suite" }, "grant the domain credits", ct);
        var key = await Admin(ingress, adminKey, $"admin/domains/{name}/api-keys", new { label = "faults" }, "create the domain's API key", ct);
        return new FaultDomain(name, accountSid, key["api_key"]!.GetValue<string>(), credits);
    }

    private static async Task<JsonNode> Admin(HttpClient ingress, string adminKey, string path, object body, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await ingress.SendAsync(request, ct);
        await Expect(response, what, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) ?? new JsonObject();
    }

    private static async Task Expect(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        throw new InvalidOperationException($"Could not {what}: {(int)response.StatusCode} {body}");
    }
}
