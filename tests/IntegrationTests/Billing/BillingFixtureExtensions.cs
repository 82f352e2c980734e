using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Billing;

/// <summary>A domain that can use all four channels, with a known number of credits, and its balance and ledger.</summary>
public sealed record BilledDomain(string Name, string ApiKey, string AccountSid);

public static class BillingFixtureExtensions
{
    public static async Task<BilledDomain> NewBilledDomainAsync(this SystemFixture system, string what, int credits)
    {
        var account = await system.NewAccountAsync();
        var name = Api.NewDomainName(what);
        var key = await system.CreateDomainAsync(name, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token,
            ["twilio_sms_number"] = SystemFixture.UniqueNumber(), ["twilio_phone_number"] = SystemFixture.UniqueNumber(), ["twilio_whatsapp_number"] = SystemFixture.UniqueNumber(),
        }, credits);
        return new BilledDomain(name, key, account.Sid);
    }

    public static async Task<Guid> StartAsync(this SystemFixture system, BilledDomain domain, string channel, string to, string type = "informational") =>
        await (await system.StartAsync(Api.StartBody(to, channel, type, "Your order is ready", domain.Name), domain.ApiKey))
            .AcceptedRequestIdAsync();

    public static async Task<JsonObject> BalanceAsync(this SystemFixture system, string domain) =>
        (await system.Admin.GetFromJsonAsync<JsonObject>($"/admin/domains/{domain}/balance"))!;

    /// <summary>Polls the balance until it settles at <paramref name="balance"/> with nothing reserved.</summary>
    public static Task<JsonObject> SettledBalanceAsync(this SystemFixture system, string domain, long balance) =>
        Eventually.Get(async () => await system.BalanceAsync(domain),
            b => b["balance"]!.GetValue<long>() == balance && b["reserved"]!.GetValue<long>() == 0,
            $"domain {domain} to settle at {balance} credits with nothing reserved");

    public static async Task<JsonArray> LedgerAsync(this SystemFixture system, string domain, string query = "") =>
        (await system.Admin.GetFromJsonAsync<JsonObject>($"/admin/domains/{domain}/ledger{query}"))!["entries"]!.AsArray();
}
