using System.Net;
using System.Text.Json.Nodes;
using Aventora.Domains.Metadata;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.IntegrationTests.Status;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Nobody without a key can make a tenant unknown: callbacks naming a domain in capitals, with spaces, or made up, unsigned or
/// signed with the wrong token, are refused with 403 and leave the domain cache as it was, and the tenant they name goes on
/// sending, calling and reading its balance.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ForgedCallbackTests(SystemFixture system)
{
    [Fact]
    public async Task Forged_callbacks_naming_a_tenant_change_no_cache_and_the_tenant_keeps_working()
    {
        var domain = await system.NewBilledDomainAsync("forged", 100);
        var cache = system.Ingress.Services.GetRequiredService<DomainMetadataCache>();
        cache.Drop(domain.Name); // as after a restart: nothing held for the tenant when the flood starts
        var madeUp = Api.NewDomainName("nosuch");
        var names = new[] { domain.Name.ToUpperInvariant(), " " + domain.Name + " ", domain.Name, madeUp, "not a domain!", new string('a', 300) };

        using var http = system.Ingress.CreateHttpClient();
        var wrongToken = SystemFixture.NewAccountCredentials().Token;
        foreach (var name in names)
        foreach (var signedWith in new[] { null, wrongToken })
        {
            var query = $"?channel=phone&domain={Uri.EscapeDataString(name)}&request_id={Guid.NewGuid()}";
            var callForm = new Dictionary<string, string>
            {
                ["CallSid"] = "CA" + Guid.NewGuid().ToString("N"), ["AccountSid"] = domain.AccountSid, ["CallStatus"] = "completed",
            };
            Assert.Equal(HttpStatusCode.Forbidden, await system.PostCallbackAsync(http, "/twilio/status/call" + query, callForm, signedWith));
            var message = new Dictionary<string, string>(system.MessageForm("SM" + Guid.NewGuid().ToString("N"), "undelivered", "21610"))
            {
                ["AccountSid"] = domain.AccountSid,
            };
            Assert.Equal(HttpStatusCode.Forbidden,
                await system.PostCallbackAsync(http, "/twilio/status/message" + query.Replace("phone", "sms"), message, signedWith));
        }

        // Nothing was kept for any name the flood used: neither a miss for the tenant nor an entry for a made-up name.
        Assert.False(cache.Holds(domain.Name), "a forged callback put the tenant into Ingress's domain cache");
        Assert.False(cache.Holds(madeUp), "a forged callback put a made-up domain into Ingress's domain cache");

        // The tenant works as if nothing happened: its balance answers, and a call of its goes out and completes.
        using var own = system.Ingress.CreateHttpClient(domain.ApiKey);
        var balance = await own.GetAsync($"/domains/{domain.Name}/balance");
        Assert.Equal(HttpStatusCode.OK, balance.StatusCode);
        var id = await system.StartAsync(domain, "phone", SystemFixture.UniqueNumber());
        var completed = await system.RequestWhenAsync(id, r => r.Str("status") is "completed" or "failed", "the tenant's call to end", domain.ApiKey);
        Assert.Equal("completed", completed.Str("status"));
        var placed = await system.Emulator.WaitForCallEndAsync(completed.Str("twilio_sid"));
        Assert.Equal(domain.AccountSid, placed.AccountSid);
    }
}
