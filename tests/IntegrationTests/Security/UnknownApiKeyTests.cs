using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// A bad API key is asked for once: a flood repeating it costs no database query each (the miss is remembered, briefly and in a
/// bounded cache), a key created afterwards works at once, and neither the key nor its hash reaches a log line.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class UnknownApiKeyTests(SystemFixture system)
{
    [Fact]
    public async Task A_flood_of_one_unknown_key_asks_the_database_once_and_the_key_reaches_no_log()
    {
        var badKey = "av_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        using var spans = new DatabaseSpans();
        using var http = system.Ingress.CreateHttpClient();

        for (var i = 0; i < 30; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
            request.Headers.Add("X-Api-Key", badKey);
            using var trace = spans.Begin();
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(request)).StatusCode);
        }

        var keyLookups = spans.Statements.Count(s => s.Contains("api_keys", StringComparison.Ordinal));
        Assert.True(keyLookups == 1, $"30 requests with one unknown key asked the database {keyLookups} times; expected once:\n{string.Join("\n", spans.Statements)}");

        // A key made now works at once, though this process has just remembered a miss.
        var domain = Api.NewDomainName("newkey");
        await system.CreateDomainAsync(domain, new Dictionary<string, string>());
        var created = await (await system.Admin.PostAsJsonAsync($"/admin/domains/{domain}/api-keys", new { label = "made after a flood" })).JsonAsync();
        using var own = system.Ingress.CreateHttpClient(created.Str("api_key"));
        Assert.Equal(HttpStatusCode.OK, (await own.GetAsync("/me")).StatusCode);

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(badKey));
        var logs = system.Logs.All;
        Assert.DoesNotContain(badKey, logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(badKey[..12], logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToHexString(hash)[..16], logs, StringComparison.OrdinalIgnoreCase);
    }
}
