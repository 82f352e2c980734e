using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.EmailPull;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Requests;

/// <summary>
/// What the admin console reads: GET /requests (filtered, keyset-paged, one domain per domain key), GET /me, the status history
/// of GET /requests/{id}, and the email-pull "test connection".
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class RequestLogTests(SystemFixture system)
{
    private static async Task<JsonArray> ItemsAsync(HttpClient http, string query)
    {
        var response = await http.GetAsync("/requests" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /requests{query}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["items"]!.AsArray();
    }

    private async Task<Guid> SendAsync(string domain, string key, string channel = "sms")
    {
        var response = await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), channel, "informational", "Log me", domain), key);
        var id = await response.AcceptedRequestIdAsync();
        await system.RequestWhenAsync(id, _ => true, $"request {id} to be recorded", key);
        return id;
    }

    [Fact]
    public async Task A_domain_key_lists_only_its_own_requests_and_is_refused_another_domains_log()
    {
        var mine = Api.NewDomainName("log-a");
        var theirs = Api.NewDomainName("log-b");
        var myKey = await system.CreateDomainAsync(mine, new { });
        var theirKey = await system.CreateDomainAsync(theirs, new { });
        var myRequest = await SendAsync(mine, myKey);
        var theirRequest = await SendAsync(theirs, theirKey);

        using var http = system.Ingress.CreateHttpClient(myKey);
        var items = await ItemsAsync(http, "?limit=200");
        Assert.Contains(items, i => i!["request_id"]!.GetValue<Guid>() == myRequest);
        Assert.DoesNotContain(items, i => i!["request_id"]!.GetValue<Guid>() == theirRequest);
        Assert.All(items, i => Assert.Equal(mine, i!["domain_name"]!.GetValue<string>()));

        var refused = await http.GetAsync($"/requests?domain_name={theirs}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/requests/{theirRequest}")).StatusCode);

        var adminView = await ItemsAsync(system.Admin, $"?domain_name={theirs}");
        Assert.Equal(theirRequest, Assert.Single(adminView)!["request_id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task The_log_filters_by_channel_and_source_and_pages_without_repeating_a_row()
    {
        var domain = Api.NewDomainName("log-page");
        var key = await system.CreateDomainAsync(domain, new { });
        var sent = new List<Guid>();
        for (var i = 0; i < 3; i++) sent.Add(await SendAsync(domain, key));
        var call = await SendAsync(domain, key, "phone");

        using var http = system.Ingress.CreateHttpClient(key);
        var sms = await ItemsAsync(http, "?channel=sms&source=api");
        Assert.Equal(sent.OrderBy(g => g), sms.Select(i => i!["request_id"]!.GetValue<Guid>()).OrderBy(g => g));
        Assert.Empty(await ItemsAsync(http, "?source=batch"));
        Assert.Equal(call, Assert.Single(await ItemsAsync(http, "?channel=phone"))!["request_id"]!.GetValue<Guid>());

        var seen = new List<Guid>();
        string? next = null;
        do
        {
            var page = JsonNode.Parse(await http.GetStringAsync("/requests?limit=1" + (next is null ? "" : $"&after={next}")))!;
            seen.AddRange(page["items"]!.AsArray().Select(i => i!["request_id"]!.GetValue<Guid>()));
            next = page["next"]?.GetValue<string>();
        } while (next is not null && seen.Count < 10);
        Assert.Equal(sent.Append(call).OrderBy(g => g), seen.OrderBy(g => g));

        var future = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        Assert.Empty(await ItemsAsync(http, $"?from={Uri.EscapeDataString(future)}"));
    }

    [Fact]
    public async Task A_bad_filter_is_refused_naming_the_field()
    {
        var response = await system.Admin.GetAsync("/requests?channel=fax&limit=0&after=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync())["errors"]!.AsObject();
        Assert.Contains("channel", errors.Select(e => e.Key));
        Assert.Contains("limit", errors.Select(e => e.Key));
        Assert.Contains("after", errors.Select(e => e.Key));
    }

    [Fact]
    public async Task Me_tells_the_admin_from_a_domain_key_and_an_unknown_key_is_401()
    {
        var domain = Api.NewDomainName("log-me");
        var key = await system.CreateDomainAsync(domain, new { }, credits: 0);
        var admin = await (await system.Admin.GetAsync("/me")).JsonAsync();
        Assert.True(admin["is_admin"]!.GetValue<bool>());
        using var http = system.Ingress.CreateHttpClient(key);
        var me = await (await http.GetAsync("/me")).JsonAsync();
        Assert.False(me["is_admin"]!.GetValue<bool>());
        Assert.Equal(domain, me.Str("domain_name"));
        using var stranger = system.Ingress.CreateHttpClient("av_not_a_key_at_all_0000000000000000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task A_requests_detail_shows_each_status_it_passed_through_in_order()
    {
        var domain = Api.NewDomainName("log-hist");
        var key = await system.CreateDomainAsync(domain, new { });
        var id = await SendAsync(domain, key);
        var request = await system.RequestWhenAsync(id,
            r => r["status_history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).Contains("queued"), "the history to reach queued", key);
        var history = request["status_history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).ToList();
        Assert.Equal("received", history[0]);
        Assert.True(history.IndexOf("sending") > 0 && history.IndexOf("queued") > history.IndexOf("sending"), string.Join(",", history));
    }

    [Fact]
    public async Task Test_connection_logs_in_to_the_mailbox_and_a_wrong_password_is_422_with_the_reason()
    {
        var imap = ImapTestServer.FromEnvironment();
        var domain = Api.NewDomainName("log-imap");
        var key = await system.CreateDomainAsync(domain, new { }, credits: 0);
        using var http = system.Ingress.CreateHttpClient(key);
        async Task<HttpResponseMessage> SaveAndTest(string password)
        {
            var put = await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new
            {
                imap_host = imap.Host, imap_port = imap.Port, tls_mode = "none", username = imap.Username, password, folder = "INBOX",
                default_channel = "wvoice", enabled = false,
            });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            return await http.PostAsync($"/admin/domains/{domain}/email-pull/test", null);
        }

        var ok = await SaveAndTest(imap.Password);
        Assert.True(ok.StatusCode == HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        Assert.Equal("INBOX", (await ok.JsonAsync()).Str("folder"));

        var refused = await SaveAndTest(imap.Password + "-wrong");
        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        var problem = await refused.JsonAsync();
        Assert.Equal("The IMAP server refused the username or password.", problem.Str("title"));
        Assert.DoesNotContain(imap.Password, problem.ToJsonString());
    }
}
