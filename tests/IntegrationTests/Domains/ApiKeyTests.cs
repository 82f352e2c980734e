using System.Net;
using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Domains;

/// <summary>A domain's API key acts for that domain only; admin endpoints want the admin key; a refused call publishes nothing.</summary>
[Collection(SystemCollection.Name)]
public sealed class ApiKeyTests(SystemFixture system)
{
    [Fact]
    public async Task A_key_of_one_domain_is_refused_for_another_and_nothing_is_published()
    {
        var account = await system.NewAccountAsync();
        var ours = Api.NewDomainName("ours");
        var theirs = Api.NewDomainName("theirs");
        var ourKey = await system.CreateDomainAsync(ours, new Dictionary<string, string> { ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token });
        await system.CreateDomainAsync(theirs, new Dictionary<string, string>());
        var to = SystemFixture.UniqueNumber();

        var response = await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Not yours", domain_name = theirs }, ourKey);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(theirs, (await response.JsonAsync()).Str("title"));
        await AssertNothingFor(to);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("av_0000000000000000000000000000000000000000")]
    public async Task A_missing_or_unknown_key_is_401(string? key)
    {
        var to = SystemFixture.UniqueNumber();
        var response = await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Who?" }, key);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingFor(to);
    }

    [Fact]
    public async Task A_revoked_key_stops_working()
    {
        var domain = Api.NewDomainName("revoke");
        await system.CreateDomainAsync(domain, new Dictionary<string, string>());
        var created = await (await system.Admin.PostAsJsonAsync($"/admin/domains/{domain}/api-keys", new { label = "short-lived" })).JsonAsync();
        var key = created.Str("api_key");
        using var http = system.Ingress.CreateHttpClient(key);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/requests/{Guid.NewGuid()}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{domain}/api-keys/{created.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/requests/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Admin_endpoints_refuse_a_domain_key()
    {
        var domain = Api.NewDomainName("notadmin");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>());
        using var http = system.Ingress.CreateHttpClient(key);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/admin/domains")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync("/admin/domains", new { domain_name = "sneaky" })).StatusCode);
    }

    [Fact]
    public async Task A_domain_key_reads_only_its_own_requests()
    {
        var account = await system.NewAccountAsync();
        var a = Api.NewDomainName("reader-a");
        var b = Api.NewDomainName("reader-b");
        var keyA = await system.CreateDomainAsync(a, new Dictionary<string, string> { ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber() });
        var keyB = await system.CreateDomainAsync(b, new Dictionary<string, string>());
        var id = await (await system.StartAsync(new { phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "t", instruction = "mine" }, keyA)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id, keyA);

        using var http = system.Ingress.CreateHttpClient(keyB);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/requests/{id}")).StatusCode);
    }

    private async Task AssertNothingFor(string to)
    {
        var good = await (await system.StartAsync(new { phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "t", instruction = "after" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(good);
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM call_logs WHERE phone_number = @to", new { to }));
    }
}
