using System.Net;
using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Billing;

/// <summary>Granting credits and reading balances and ledgers: the admin for any domain, a domain's key for its own only.</summary>
[Collection(SystemCollection.Name)]
public sealed class CreditEndpointsTests(SystemFixture system)
{
    [Fact]
    public async Task Grants_add_to_the_balance_and_the_ledger_reads_newest_first_page_by_page()
    {
        var domain = await system.NewBilledDomainAsync("ledger", 0);
        foreach (var (credits, reason) in new[] { (10, "first"), (20, "second"), (30, "third") })
        {
            var granted = await system.Admin.PostAsJsonAsync($"/admin/domains/{domain.Name}/credits", new { credits, reason });
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        }

        var balance = await system.BalanceAsync(domain.Name);
        Assert.Equal((60, 0, 60, true), (balance["balance"]!.GetValue<long>(), balance["reserved"]!.GetValue<long>(),
            balance["available"]!.GetValue<long>(), balance["credits_enforced"]!.GetValue<bool>()));
        var page1 = await system.Admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/admin/domains/{domain.Name}/ledger?page=1&page_size=2");
        Assert.Equal(3, page1!["total"]!.GetValue<long>());
        Assert.Equal(["third", "second"], page1["entries"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()));
        Assert.Equal(["first"], (await system.LedgerAsync(domain.Name, "?page=2&page_size=2")).Select(e => e!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_domains_key_reads_its_own_balance_and_ledger_but_not_another_domains_and_cannot_grant()
    {
        var ours = await system.NewBilledDomainAsync("ours", 25);
        var theirs = await system.NewBilledDomainAsync("theirs", 5);
        using var http = system.Ingress.CreateHttpClient(ours.ApiKey);

        var balance = await (await http.GetAsync($"/domains/{ours.Name}/balance")).JsonAsync();
        Assert.Equal(25, balance["balance"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/domains/{ours.Name}/ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/domains/{theirs.Name}/balance")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/domains/{theirs.Name}/ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/admin/domains/{ours.Name}/balance")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync($"/admin/domains/{ours.Name}/credits", new { credits = 1000, reason = "free" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await system.Ingress.CreateHttpClient().GetAsync($"/domains/{ours.Name}/balance")).StatusCode);
    }

    [Fact]
    public async Task A_bad_grant_is_a_400_naming_the_field_and_an_unknown_domain_a_404()
    {
        var domain = await system.NewBilledDomainAsync("badgrant", 0);
        var zero = await (await system.Admin.PostAsJsonAsync($"/admin/domains/{domain.Name}/credits", new { credits = 0, reason = "nothing" })).JsonAsync();
        Assert.NotNull(zero["errors"]?["credits"]);
        var noReason = await (await system.Admin.PostAsJsonAsync($"/admin/domains/{domain.Name}/credits", new { credits = 5 })).JsonAsync();
        Assert.NotNull(noReason["errors"]?["reason"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await system.Admin.GetAsync($"/admin/domains/{domain.Name}/ledger?page_size=1000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await system.Admin.PostAsJsonAsync("/admin/domains/no-such-domain-here/credits", new { credits = 5, reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await system.Admin.GetAsync("/admin/domains/no-such-domain-here/balance")).StatusCode);
        Assert.Equal(0, (await system.BalanceAsync(domain.Name))["balance"]!.GetValue<long>());
    }
}
