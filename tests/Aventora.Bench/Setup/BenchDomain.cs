using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Aventora.Bench.Setup;

/// <summary>
/// A domain made for one phase, as an operator would make one: its own Twilio account (registered with the emulator),
/// its own sender numbers, plenty of credits, and its own API key. Records in the emulator are told apart by account.
/// </summary>
public sealed record BenchDomain(string Name, string AccountSid, string ApiKey)
{
    private const int Credits = 100_000_000; // the largest single grant Ingress allows: 33 million messages

    public static async Task<BenchDomain> CreateAsync(
        HttpClient ingress, HttpClient emulator, string adminKey, string name, int senderBlock, CancellationToken ct)
    {
        var accountSid = "AC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await Expect(await emulator.PostAsJsonAsync("_emulator/accounts", new { sid = accountSid, auth_token = token }, ct),
            "register the domain's account with the emulator", ct);

        // Sender numbers belong to one domain alone, so each domain gets a block of its own.
        string Sender(int n) => $"+1202555{senderBlock:D2}{n:D2}";
        await Admin(ingress, adminKey, HttpMethod.Post, "admin/domains", new
        {
            domain_name = name,
            technical_json = new Dictionary<string, string>
            {
                ["twilio_account_sid"] = accountSid,
                ["twilio_auth_token"] = token,
                ["twilio_sms_number"] = Sender(1),
                ["twilio_phone_number"] = Sender(2),
                ["twilio_whatsapp_number"] = Sender(3),
            },
        }, "create the domain", ct);
        await Admin(ingress, adminKey, HttpMethod.Post, $"admin/domains/{name}/credits",
            new { credits = Credits, reason = "benchmark" }, "grant the domain credits", ct);
        var key = await Admin(ingress, adminKey, HttpMethod.Post, $"admin/domains/{name}/api-keys",
            new { label = "bench" }, "create the domain's API key", ct);
        return new BenchDomain(name, accountSid, key["api_key"]!.GetValue<string>());
    }

    private static async Task<JsonNode> Admin(HttpClient ingress, string adminKey, HttpMethod method, string path, object body, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
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
