using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Domains;

/// <summary>
/// What an operator does to domains and keys, seen from the outside: a key in <c>Authorization: Bearer</c>, deleting a domain,
/// and how a PUT merges technical_json (the mask keeps a secret, null removes a key).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DomainAdministrationTests(SystemFixture system)
{
    private static HttpClient Bearer(SystemFixture system, string token, string scheme = "Bearer")
    {
        var http = system.Ingress.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, token);
        return http;
    }

    private static object Sms(string to, string instruction, string? domain = null) =>
        new { phone_number = to, channel = "sms", type = "informational", instruction, domain_name = domain };

    [Fact]
    public async Task A_domain_key_in_Authorization_Bearer_works_like_X_Api_Key_and_a_wrong_one_is_401()
    {
        var account = await system.NewAccountAsync();
        var (domain, other) = (Api.NewDomainName("bearer"), Api.NewDomainName("bearer-other"));
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        });
        await system.CreateDomainAsync(other, new Dictionary<string, string>());

        using var http = Bearer(system, key);
        var to = SystemFixture.UniqueNumber();
        var response = await http.PostAsJsonAsync("/start", Sms(to, "Sent with a bearer key"));
        var id = await response.AcceptedRequestIdAsync();
        // 404 until the dispatcher has recorded it; then the bearer key reads its own request.
        var read = await Eventually.Get(async () => await http.GetAsync($"/requests/{id}") is { StatusCode: HttpStatusCode.OK } ok ? await ok.JsonAsync() : null,
            _ => true, "the request to be readable with the bearer key");
        Assert.Equal(domain, read.Str("domain_name"));
        var sent = await system.SentForRequestAsync(to);
        Assert.Equal(account.Sid, sent.AccountSid);

        // Acting for another domain is still 403; an unknown key, or the key under another scheme, is 401; nothing goes out.
        var refused = SystemFixture.UniqueNumber();
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync("/start", Sms(refused, "Not mine", other))).StatusCode);
        using (var unknown = Bearer(system, "av_" + new string('0', 40)))
            Assert.Equal(HttpStatusCode.Unauthorized, (await unknown.PostAsJsonAsync("/start", Sms(refused, "Who?"))).StatusCode);
        using (var basic = Bearer(system, key, "Basic"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await basic.PostAsJsonAsync("/start", Sms(refused, "Wrong scheme"))).StatusCode);
        // The admin key works as a bearer too, for the admin endpoints.
        using (var admin = Bearer(system, SystemFixture.AdminKey))
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/admin/domains/{domain}")).StatusCode);
        await system.SentForRequestAsync(await MarkerAsync(SystemFixture.UniqueNumber()));
        Assert.Empty(await system.Emulator.GetRequestsAsync(refused));
    }

    /// <summary>A request after the ones under test, sent and seen in Twilio: what they published is through too.</summary>
    private async Task<string> MarkerAsync(string to)
    {
        await (await system.StartAsync(Sms(to, "marker"))).AcceptedRequestIdAsync();
        return to;
    }

    [Fact]
    public async Task A_deleted_domain_is_gone_its_key_stops_working_and_nothing_more_is_sent_for_it()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("deleted");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        });
        // In use before: its config is cached in the dispatcher and the worker.
        var before = SystemFixture.UniqueNumber();
        var earlier = await (await system.StartAsync(Sms(before, "Before the deletion"), key)).AcceptedRequestIdAsync();
        Assert.Equal(account.Sid, (await system.SentForRequestAsync(before)).AccountSid);

        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{domain}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await system.Admin.GetAsync($"/admin/domains/{domain}")).StatusCode);
        Assert.DoesNotContain((await system.Admin.GetFromJsonAsync<JsonArray>("/admin/domains"))!, d => d!["domain_name"]!.GetValue<string>() == domain);
        Assert.Equal(HttpStatusCode.NotFound, (await system.Admin.DeleteAsync($"/admin/domains/{domain}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await system.Admin.PostAsJsonAsync($"/admin/domains/{domain}/api-keys", new { label = "again" })).StatusCode);
        using (var http = system.Ingress.CreateHttpClient(key))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/start", Sms(SystemFixture.UniqueNumber(), "With a dead key"))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/requests/{earlier}")).StatusCode);
        }

        // Even the admin key cannot send for it any more: the request fails with a clear reason, and Twilio hears nothing.
        var after = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(Sms(after, "After the deletion", domain))).AcceptedRequestIdAsync();
        var refused = await system.RequestWhenAsync(id, r => r["error_code"] is not null || r["twilio_sid"] is not null, "the request for the deleted domain to be decided");
        Assert.Equal("failed", refused.Str("status"));
        Assert.Equal("unknown_domain", refused.Str("error_code"));
        Assert.Contains(domain, refused.Str("error_message"));
        Assert.Empty(await system.Emulator.GetRequestsAsync(after));
    }

    [Fact]
    public async Task A_put_keeps_a_secret_sent_back_masked_and_removes_a_key_sent_as_null()
    {
        var (sms, shared) = (await system.NewAccountAsync(), await system.NewAccountAsync());
        var domain = Api.NewDomainName("merge");
        var (first, second) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = sms.Sid, ["twilio_sms_auth_token"] = sms.Token, ["twilio_sms_number"] = first,
            ["twilio_account_sid"] = shared.Sid, ["twilio_auth_token"] = shared.Token,
        });
        async Task<JsonObject> PutAsync(string json)
        {
            var response = await system.Admin.PutAsync($"/admin/domains/{domain}", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return (await response.JsonAsync())["technical_json"]!.AsObject();
        }
        async Task<Aventora.TwilioEmulator.Inspection.RecordedRequest> SendAsync()
        {
            var to = SystemFixture.UniqueNumber();
            var id = await (await system.StartAsync(Sms(to, "Which account and number?"), key)).AcceptedRequestIdAsync();
            var request = await system.RequestWithSidAsync(id, key);
            Assert.NotEqual("failed", request.Str("status"));
            return await system.SentForRequestAsync(to);
        }

        // The form sends back what GET showed: the mask. The stored token stays (Twilio would refuse "********" with a 401).
        var shown = await PutAsync($$$"""{"technical_json": {"twilio_sms_auth_token": "********", "twilio_sms_number": "{{{second}}}"}}""");
        Assert.Equal("********", shown.Str("twilio_sms_auth_token"));
        var kept = await SendAsync();
        Assert.Equal((sms.Sid, second), (kept.AccountSid, kept.Form["From"]));

        // null removes the token: the sms pair is no longer whole, so the shared pair is taken (whole, never mixed).
        shown = await PutAsync("""{"technical_json": {"twilio_sms_auth_token": null}}""");
        Assert.False(shown.ContainsKey("twilio_sms_auth_token"));
        Assert.Equal(sms.Sid, shown.Str("twilio_sms_account_sid"));
        Assert.Equal(shared.Sid, (await SendAsync()).AccountSid);

        // null removes the number: the environment's fallback sender is used.
        shown = await PutAsync("""{"technical_json": {"twilio_sms_number": null}}""");
        Assert.False(shown.ContainsKey("twilio_sms_number"));
        Assert.Equal(SystemFixture.EnvironmentSmsNumber, (await SendAsync()).Form["From"]);

        // A key left out keeps its value; the mask for a secret never stored stores nothing.
        shown = await PutAsync("""{"technical_json": {"twilio_phone_auth_token": "********"}}""");
        Assert.False(shown.ContainsKey("twilio_phone_auth_token"));
        Assert.Equal("********", shown.Str("twilio_auth_token"));
    }
}
