using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// A second Ingress copy that keeps keys for ten minutes still stops taking a key once the first copy revokes it or deletes its
/// domain: the change is announced (<c>DomainChanged</c>) and every copy forgets that domain's keys. Before, the second copy kept
/// a deleted domain's key working, for the tenant that took the name, until its cache ran out.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ApiKeyAcrossCopiesTests(SystemFixture system) : IAsyncLifetime
{
    private ServiceHost<IngressApiEntryPoint> _second = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(system.Settings) { ["Batches:DropFolder"] = "", ["Admin:ApiKeyCacheFor"] = "00:10:00" };
        _second = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, system.Logs);
        await Task.Run(_second.StartServer);
    }

    public async Task DisposeAsync() => await _second.DisposeAsync();

    [Fact]
    public async Task A_deleted_domains_key_stops_working_on_every_copy_even_when_its_name_is_taken_again()
    {
        var name = Api.NewDomainName("recreated");
        var oldKey = await system.CreateDomainAsync(name, new Dictionary<string, string>());
        using var old = _second.CreateHttpClient(oldKey);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/me")).StatusCode); // the second copy now holds the key

        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{name}")).StatusCode);
        var newKey = await system.CreateDomainAsync(name, new Dictionary<string, string>());

        await Eventually.Get(async () => (HttpStatusCode?)(await old.GetAsync("/me")).StatusCode, s => s == HttpStatusCode.Unauthorized,
            "the deleted domain's key to be refused by the second copy");
        using var taker = _second.CreateHttpClient(newKey);
        Assert.Equal(name, (await taker.GetFromJsonAsync<JsonObject>("/me"))!["domain_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revoked_key_stops_working_on_every_copy()
    {
        var name = Api.NewDomainName("revoked");
        var key = await system.CreateDomainAsync(name, new Dictionary<string, string>());
        using var http = _second.CreateHttpClient(key);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/me")).StatusCode);

        var id = (await system.Admin.GetFromJsonAsync<JsonArray>($"/admin/domains/{name}/api-keys"))!.Single()!["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{name}/api-keys/{id}")).StatusCode);

        await Eventually.Get(async () => (HttpStatusCode?)(await http.GetAsync("/me")).StatusCode, s => s == HttpStatusCode.Unauthorized,
            "the revoked key to be refused by the second copy");
    }
}
