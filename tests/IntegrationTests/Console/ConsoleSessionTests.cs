using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Console;

/// <summary>
/// The console's session over plain HTTP: Secure cookie and HSTS behind a TLS-terminating proxy, sign-out that ends the session on
/// the server (a copied cookie is dead too) and cannot be forced from another site, and sign-in input that cannot make it fail.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ConsoleSessionTests(SystemFixture system)
{
    [Fact]
    public async Task Behind_a_TLS_proxy_the_session_cookie_is_Secure_HttpOnly_and_SameSite_and_production_sends_HSTS()
    {
        await using var console = await ConsoleHost.StartOwnAsync(system, "Production");
        using var client = new ConsoleClient(console);
        // What a TLS-terminating proxy on this machine (loopback is trusted) forwards.
        client.Headers["X-Forwarded-Proto"] = "https";
        client.Headers["Host"] = "console.example.com";

        using var signIn = await client.SignInAsync(SystemFixture.AdminKey);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(client.SetCookies, c => c.StartsWith("aventora_console=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(signIn.Headers.Contains("Strict-Transport-Security"), "a production console behind TLS sends HSTS");
        Assert.True(await client.IsSignedInAsync());
    }

    [Fact]
    public async Task Without_a_proxy_saying_https_the_cookie_is_not_Secure_and_a_wrong_proxy_network_stops_the_start()
    {
        var console = await ConsoleHost.ForAsync(system);
        using var client = new ConsoleClient(console);
        using var plain = await client.SignInAsync(SystemFixture.AdminKey);
        var cookie = Assert.Single(client.SetCookies, c => c.StartsWith("aventora_console=", StringComparison.Ordinal));
        Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase); // plain http on loopback: scripts/run.sh keeps working
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConsoleHost.StartOwnAsync(system, "Testing",
            new Dictionary<string, string?> { ["TrustedProxies:Networks:0"] = "172.16.0.0/33" }));
        Assert.Contains("TrustedProxies:Networks", refused.ToString());
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working()
    {
        var console = await ConsoleHost.ForAsync(system);
        using var client = new ConsoleClient(console);
        await client.SignInAsync(SystemFixture.AdminKey);
        var copied = client.Cookies["aventora_console"];
        Assert.True(await client.IsSignedInAsync());

        var token = await client.FormTokenAsync();
        using var signOut = await client.SendAsync(HttpMethod.Post, "/account/signout",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Contains("signed-out", signOut.Headers.Location!.ToString());

        using var thief = new ConsoleClient(console);
        thief.Cookies["aventora_console"] = copied;
        Assert.False(await thief.IsSignedInAsync(), "the cookie copied before sign-out still opens the console");
    }

    [Fact]
    public async Task Another_site_cannot_sign_a_person_out()
    {
        var console = await ConsoleHost.ForAsync(system);
        using var client = new ConsoleClient(console);
        await client.SignInAsync(SystemFixture.AdminKey);

        // A cross-site form post carries the cookie at most, never the page's token; text/plain slips past form-only checks.
        using var forged = await client.SendAsync(HttpMethod.Post, "/account/signout", new StringContent("x=1", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var forgedForm = await client.SendAsync(HttpMethod.Post, "/account/signout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.True((int)forgedForm.StatusCode is >= 400 and < 500, $"a form post without a token answered {(int)forgedForm.StatusCode}");
        // The GET the console itself uses when a key is revoked ends nothing while the key still works.
        using var ended = await client.SendAsync(HttpMethod.Get, "/account/ended");
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);

        Assert.True(await client.IsSignedInAsync(), "a request without the console's token signed the person out");
    }

    [Fact]
    public async Task The_ended_page_signs_out_once_the_key_is_revoked()
    {
        var domain = Api.NewDomainName("ui-ended");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>());
        var console = await ConsoleHost.ForAsync(system);
        using var client = new ConsoleClient(console);
        await client.SignInAsync(key);
        Assert.True(await client.IsSignedInAsync());

        var keys = (await system.Admin.GetFromJsonAsync<JsonArray>($"/admin/domains/{domain}/api-keys"))!;
        foreach (var k in keys) await system.Admin.DeleteAsync($"/admin/domains/{domain}/api-keys/{k!["id"]}");
        using var http = system.Ingress.CreateHttpClient(key);
        await Eventually.Get(async () => (int?)(await http.GetAsync("/me")).StatusCode, s => s == 401, "the revoked key to be refused");

        using var ended = await client.SendAsync(HttpMethod.Get, "/account/ended");
        Assert.Contains("message=ended", ended.Headers.Location!.ToString());
        Assert.False(await client.IsSignedInAsync());
    }
}
