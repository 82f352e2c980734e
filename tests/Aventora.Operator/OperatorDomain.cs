using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Aventora.Operator;

/// <summary>The sender numbers a domain is set up with, one per channel kind.</summary>
public sealed record SenderNumbers(string Sms, string Phone, string WhatsApp);

/// <summary>
/// A domain made as an operator makes one: its own Twilio account (registered with the emulator), its own sender numbers,
/// credits, and its own API key, all through the admin API. Records at the emulator are told apart by account.
/// </summary>
public sealed record OperatorDomain(string Name, string AccountSid, string ApiKey)
{
    public static async Task<OperatorDomain> CreateAsync(
        HttpClient ingress, HttpClient emulator, string adminKey, string name, SenderNumbers senders, long credits, string purpose, CancellationToken ct)
    {
        var accountSid = "AC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await Expect(await emulator.PostAsJsonAsync("_emulator/accounts", new { sid = accountSid, auth_token = token }, ct),
            "register the domain's account with the emulator", ct);

        await AdminPostAsync(ingress, adminKey, "admin/domains", new
        {
            domain_name = name,
            technical_json = new Dictionary<string, string>
            {
                ["twilio_account_sid"] = accountSid,
                ["twilio_auth_token"] = token,
                ["twilio_sms_number"] = senders.Sms,
                ["twilio_phone_number"] = senders.Phone,
                ["twilio_whatsapp_number"] = senders.WhatsApp,
            },
        }, "create the domain", ct);
        await AdminPostAsync(ingress, adminKey, $"admin/domains/{name}/credits", new { credits, reason = purpose }, "grant the domain credits", ct);
        var key = await AdminPostAsync(ingress, adminKey, $"admin/domains/{name}/api-keys", new { label = purpose }, "create the domain's API key", ct);
        return new OperatorDomain(name, accountSid, key["api_key"]!.GetValue<string>());
    }

    private static async Task<JsonNode> AdminPostAsync(HttpClient ingress, string adminKey, string path, object body, string what, CancellationToken ct)
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
