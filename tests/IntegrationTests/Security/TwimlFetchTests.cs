using System.Net;
using Aventora.Domains.Metadata;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.Ingress.Api.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// The TwiML URL names the call's domain and channel, so a fetch is checked against that domain's cached account before anything
/// reads the database: a forged fetch costs Ingress no query. A fetch signed by another tenant's account, naming that tenant, gets
/// no word of a call that is not theirs.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class TwimlFetchTests(SystemFixture system)
{
    [Fact]
    public async Task A_forged_TwiML_fetch_reads_nothing_from_the_database()
    {
        var (domain, _, id) = await CallAsync("twimlforge", "busy");
        await system.Ingress.Services.GetRequiredService<DomainMetadataCache>().GetDomainMetadataAsync(domain.Name, CancellationToken.None);
        using var spans = new DatabaseSpans();
        using var http = new HttpClient();

        var url = $"{system.Settings["Ingress:PublicBaseUrl"]}/voice/twiml/{id}?channel=phone&domain={domain.Name}";
        for (var i = 0; i < 10; i++)
        {
            var form = new Dictionary<string, string> { ["CallSid"] = "CA" + Guid.NewGuid().ToString("N"), ["AccountSid"] = domain.AccountSid };
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute("not-the-token", url, form));
            using var trace = spans.Begin();
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
        }

        Assert.True(spans.Statements.Count == 0, "forged TwiML fetches asked the database:\n" + string.Join("\n", spans.Statements));
    }

    [Fact]
    public async Task A_TwiML_fetch_signed_by_another_tenant_gets_nothing_of_a_call_not_theirs()
    {
        var (_, instruction, id) = await CallAsync("twimlvictim", "busy");
        var (other, _, _) = await CallAsync("twimlother", "busy");

        var url = $"{system.Settings["Ingress:PublicBaseUrl"]}/voice/twiml/{id}?channel=phone&domain={other.Name}";
        var form = new Dictionary<string, string> { ["CallSid"] = "CA" + Guid.NewGuid().ToString("N"), ["AccountSid"] = other.AccountSid };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(other.AuthToken, url, form));
        using var http = new HttpClient();
        var response = await http.SendAsync(request);

        var twiml = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden, $"{response.StatusCode}: {twiml}");
        Assert.DoesNotContain(instruction, twiml);
        if (response.StatusCode == HttpStatusCode.OK) Assert.Contains("not known", twiml);
    }

    private sealed record Tenant(string Name, string Key, string AccountSid, string AuthToken);

    /// <summary>A tenant with its own account and a phone call of its, which ended <paramref name="outcome"/>.</summary>
    private async Task<(Tenant Tenant, string Instruction, Guid RequestId)> CallAsync(string what, string outcome)
    {
        var account = await system.NewAccountAsync();
        var name = Api.NewDomainName(what);
        var key = await system.CreateDomainAsync(name, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
        });
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(person, outcome);
        var instruction = $"Secret plan {Guid.NewGuid():N}";
        var id = await (await system.StartAsync(Api.StartBody(person, "phone", "informational", instruction, name), key)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id, key);
        return (new Tenant(name, key, account.Sid, account.Token), instruction, id);
    }
}
