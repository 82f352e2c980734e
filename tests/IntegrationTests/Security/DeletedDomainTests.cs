using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// A domain's data is keyed by its immutable id, not its name: deleting a domain keeps its history for the admin, and a domain
/// created again under the same name is a new tenant with nothing in it (issue 11, defect 4).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DeletedDomainTests(SystemFixture system)
{
    [Fact]
    public async Task A_name_created_again_is_a_new_tenant_and_the_old_history_stays_for_the_admin_only()
    {
        var name = Api.NewDomainName("sec-c");
        var oldKey = await system.CreateDomainAsync(name, new Dictionary<string, string>(), credits: 1_000);
        var person = SystemFixture.UniqueNumber();
        var oldRequest = await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "Old tenant", name), oldKey)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(oldRequest, oldKey);
        var oldBatch = await UploadAsync(oldKey, "crm-export", $"phone_number,instruction,call_type,channel\n{SystemFixture.UniqueNumber()},Old batch,informational,sms\n");
        Assert.Equal(HttpStatusCode.Accepted, oldBatch.StatusCode);
        var oldBatchId = (await oldBatch.JsonAsync()).Str("batch_uuid");
        // Both sends (the request and the batch's row) are charged before the delete.
        var oldLedger = await Eventually.Get(() => LedgerAsync(system.Admin, $"/admin/domains/{name}/ledger"),
            l => l["entries"]!.AsArray().Count(e => e!["kind"]!.GetValue<string>() == "message") == 2, "the old tenant's two usages in its ledger");
        var oldBalance = (await system.Admin.GetFromJsonAsync<JsonObject>($"/admin/domains/{name}/balance"))!["balance"]!.GetValue<long>();
        Assert.True(oldBalance < 1_000, $"the usage was charged: balance {oldBalance}");

        using (var old = Client(oldKey))
        {
            var hook = await old.PutAsJsonAsync($"/domains/{name}/status-webhook", new { status_webhook_url = "http://127.0.0.1:9/old-tenant" });
            Assert.True(hook.IsSuccessStatusCode, await hook.Content.ReadAsStringAsync());
        }
        var later = Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Scheduled by the old tenant", name);
        later["send_at"] = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:sszzz");
        var scheduled = await (await system.StartAsync(later, oldKey)).AcceptedRequestIdAsync();
        await system.RequestWhenAsync(scheduled, r => r.Str("status") == "scheduled", "the old tenant's request to be scheduled");

        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{name}")).StatusCode);
        // What was still waiting will not go; its webhook went with it.
        var cancelled = (await system.Admin.GetFromJsonAsync<JsonObject>($"/requests/{scheduled}"))!;
        Assert.Equal("cancelled", cancelled.Str("status"));
        var newKey = await system.CreateDomainAsync(name, new Dictionary<string, string>(), credits: 0);
        using var tenant = Client(newKey);

        // Nothing of the old tenant reaches the new one: its request, balance, ledger, batch.
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.GetAsync($"/requests/{oldRequest}")).StatusCode);
        Assert.Empty((await tenant.GetFromJsonAsync<JsonObject>("/requests"))!["items"]!.AsArray());
        var balance = (await tenant.GetFromJsonAsync<JsonObject>($"/domains/{name}/balance"))!;
        Assert.Equal(0, balance["balance"]!.GetValue<long>());
        Assert.Equal(0, (await LedgerAsync(tenant, $"/domains/{name}/ledger"))["total"]!.GetValue<long>());
        Assert.Equal(0, (await LedgerAsync(system.Admin, $"/admin/domains/{name}/ledger"))["total"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.GetAsync($"/batches/{oldBatchId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.GetAsync("/batches/crm-export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.GetAsync($"/domains/{name}/status-webhook")).StatusCode);

        // The same batch id with other rows is simply the new tenant's first batch of that name, not the old one's.
        var newBatch = await UploadAsync(newKey, "crm-export", $"phone_number,instruction,call_type,channel\n{SystemFixture.UniqueNumber()},New batch,informational,sms\n");
        Assert.Equal(HttpStatusCode.Accepted, newBatch.StatusCode);
        Assert.NotEqual(oldBatchId, (await newBatch.JsonAsync()).Str("batch_uuid"));

        // The admin still reads the deleted tenant's history, marked as such.
        var asAdmin = (await system.Admin.GetFromJsonAsync<JsonObject>($"/requests/{oldRequest}"))!;
        Assert.Equal(name, asAdmin.Str("domain_name"));
        Assert.True(asAdmin["domain_deleted"]!.GetValue<bool>());
        var deleted = (await system.Admin.GetFromJsonAsync<JsonArray>("/admin/deleted-domains"))!
            .Select(d => d!.AsObject()).Single(d => d.Str("domain_name") == name);
        Assert.Equal(oldBalance, deleted["balance"]!.GetValue<long>());
        Assert.True(deleted["request_count"]!.GetValue<long>() >= 1);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.GetAsync("/admin/deleted-domains")).StatusCode);
        Assert.NotEmpty(oldLedger["entries"]!.AsArray());
    }

    [Fact]
    public async Task A_late_usage_of_a_deleted_domains_request_is_charged_to_that_tenant_never_to_the_new_one()
    {
        var name = Api.NewDomainName("late");
        await system.CreateDomainAsync(name, new Dictionary<string, string>(), credits: 500);
        var request = Guid.NewGuid();
        await using (var db = await system.Database.OpenConnectionAsync())
        {
            var reserved = await db.QuerySingleAsync<bool>("SELECT reserved FROM aventora_reserve_credits(@name, @request, 100)", new { name, request });
            Assert.True(reserved);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{name}")).StatusCode);
        await system.CreateDomainAsync(name, new Dictionary<string, string>(), credits: 50);

        // The call ends after the delete and re-create: its usage arrives now, under the (same) domain name.
        await using (var db = await system.Database.OpenConnectionAsync())
        {
            var recorded = await db.ExecuteScalarAsync<bool>(
                "SELECT aventora_record_usage(@entry, @name, 'call', 100, @request, 'phone', 'informational', NULL, now())",
                new { entry = Guid.NewGuid(), name, request });
            Assert.True(recorded);
        }

        var live = (await system.Admin.GetFromJsonAsync<JsonObject>($"/admin/domains/{name}/balance"))!;
        Assert.Equal(50, live["balance"]!.GetValue<long>());
        Assert.Equal(0, live["reserved"]!.GetValue<long>());
        var gone = (await system.Admin.GetFromJsonAsync<JsonArray>("/admin/deleted-domains"))!
            .Select(d => d!.AsObject()).Single(d => d.Str("domain_name") == name);
        Assert.Equal(400, gone["balance"]!.GetValue<long>());
    }

    [Fact]
    public async Task Rows_of_names_deleted_before_ids_existed_become_a_deleted_tenant_when_migrating()
    {
        await using var database = await ScratchDatabase.CreateAsync(system.Infrastructure.PostgresConnectionString);
        database.Migrate(r => r.MigrateUp(1_023_000_01));
        await using (var db = await database.Source.OpenConnectionAsync())
        {
            await db.ExecuteAsync("""
                INSERT INTO domains (name, technical_json) VALUES ('kept', '{}');
                INSERT INTO call_logs (id, domain_name, channel, phone_number, type, instruction, source, status)
                VALUES (gen_random_uuid(), 'kept', 'sms', '+14155550111', 'informational', 'x', 'api', 'delivered'),
                       (gen_random_uuid(), 'gone', 'sms', '+14155550112', 'informational', 'x', 'api', 'delivered'),
                       (gen_random_uuid(), NULL,   'sms', '+14155550113', 'informational', 'x', 'api', 'delivered');
                INSERT INTO credit_accounts (domain_name, balance) VALUES ('gone', 70);
                INSERT INTO opt_outs (domain_name, phone_number, source) VALUES ('gone', '+14155550112', 'keyword');
                """);
        }
        database.Migrate(r => r.MigrateUp());

        await using var check = await database.Source.OpenConnectionAsync();
        var keptId = await check.QuerySingleAsync<Guid>("SELECT id FROM domains WHERE name = 'kept'");
        var goneId = await check.QuerySingleAsync<Guid>("SELECT id FROM deleted_domains WHERE name = 'gone'");
        Assert.Equal(keptId, await check.QuerySingleAsync<Guid>("SELECT domain_id FROM call_logs WHERE domain_name = 'kept'"));
        Assert.Equal(goneId, await check.QuerySingleAsync<Guid>("SELECT domain_id FROM call_logs WHERE domain_name = 'gone'"));
        Assert.Equal(goneId, await check.QuerySingleAsync<Guid>("SELECT domain_id FROM credit_accounts WHERE domain_name = 'gone'"));
        Assert.Equal(goneId, await check.QuerySingleAsync<Guid>("SELECT domain_id FROM opt_outs WHERE domain_name = 'gone'"));
        Assert.Null(await check.QuerySingleAsync<Guid?>("SELECT domain_id FROM call_logs WHERE domain_name IS NULL"));

        // A domain created under the old name now is a new tenant: its generation counts the earlier one.
        await check.ExecuteAsync("INSERT INTO domains (name, technical_json) VALUES ('gone', '{}')");
        Assert.Equal(1, await check.QuerySingleAsync<int>("SELECT generation FROM domains WHERE name = 'gone'"));
        Assert.NotEqual(goneId, await check.QuerySingleAsync<Guid>("SELECT id FROM domains WHERE name = 'gone'"));
        Assert.False(await check.QuerySingleAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE domain_name = 'gone' AND domain_id IS NOT DISTINCT FROM aventora_domain_id('gone'))"));

        // Two tenants of one name cannot go back to one name key: migrating down refuses and changes nothing ...
        await check.ExecuteAsync("INSERT INTO credit_accounts (domain_name, balance) VALUES ('gone', 5)");
        Assert.ThrowsAny<Exception>(() => database.Migrate(r => r.MigrateDown(1_023_000_01)));
        Assert.Equal(2, await check.QuerySingleAsync<int>("SELECT count(DISTINCT domain_id)::int FROM credit_accounts WHERE domain_name = 'gone'"));
        // ... and once only one is left, it goes down and up again.
        await check.ExecuteAsync("DELETE FROM credit_accounts WHERE domain_name = 'gone' AND domain_id = aventora_domain_id('gone')");
        database.Migrate(r => r.MigrateDown(1_023_000_01));
        Assert.Equal(0, await check.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'call_logs' AND column_name = 'domain_id'"));
        database.Migrate(r => r.MigrateUp());
        Assert.Equal(await check.QuerySingleAsync<Guid>("SELECT id FROM domains WHERE name = 'kept'"),
            await check.QuerySingleAsync<Guid>("SELECT domain_id FROM call_logs WHERE domain_name = 'kept'"));
    }

    private HttpClient Client(string key) => system.Ingress.CreateHttpClient(key);

    [Fact]
    public async Task The_admins_idempotency_key_for_a_name_created_again_never_replays_the_earlier_tenants_answer()
    {
        var name = Api.NewDomainName("sec-idem");
        await system.CreateDomainAsync(name, new Dictionary<string, string>(), credits: 1_000);
        var body = Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Admin send", name);
        var grant = new { credits = 50, reason = "top-up" };
        async Task<HttpResponseMessage> SendAsync(string path, object content)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(content) };
            request.Headers.Add("Idempotency-Key", path == "/start" ? "admin-start-1" : "admin-grant-1");
            return await system.Admin.SendAsync(request);
        }

        var first = await (await SendAsync("/start", body)).AcceptedRequestIdAsync();
        Assert.Equal(first, await (await SendAsync("/start", body)).AcceptedRequestIdAsync()); // a retry replays the answer
        Assert.Equal(HttpStatusCode.Created, (await SendAsync($"/admin/domains/{name}/credits", grant)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await system.Admin.DeleteAsync($"/admin/domains/{name}")).StatusCode);
        await system.CreateDomainAsync(name, new Dictionary<string, string>(), credits: 0);

        // The same key and body for the new tenant is new work: a new request, and the grant really lands.
        var second = await (await SendAsync("/start", body)).AcceptedRequestIdAsync();
        Assert.NotEqual(first, second);
        var granted = await SendAsync($"/admin/domains/{name}/credits", grant);
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        Assert.False(granted.Headers.Contains("Idempotent-Replayed"), "the earlier tenant's grant was replayed");
        var grants = (await LedgerAsync(system.Admin, $"/admin/domains/{name}/ledger"))["entries"]!.AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "grant").Select(e => e!["credits"]!.GetValue<long>());
        Assert.Equal([50L], grants);
    }

    private static async Task<JsonObject> LedgerAsync(HttpClient http, string path) => (await http.GetFromJsonAsync<JsonObject>(path))!;

    private async Task<HttpResponseMessage> UploadAsync(string key, string batchId, string csv)
    {
        using var http = Client(key);
        using var form = new MultipartFormDataContent { { new StringContent(batchId), "batch_id" } };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "people.csv");
        return await http.PostAsync("/batches", form);
    }
}
