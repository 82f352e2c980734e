using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Idempotency;

/// <summary>
/// Idempotency-Key on POST /start and credit grants: a retry gets the first answer and nothing happens twice, the same key
/// with another request is refused, callers' keys never meet, and only definitive answers are kept.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class IdempotencyKeyTests(SystemFixture system)
{
    private static string NewKey() => "key-" + Guid.NewGuid();

    private async Task<HttpResponseMessage> PostAsync(string path, object body, string key, string? apiKey = SystemFixture.AdminKey, ServiceHost<IngressApiEntryPoint>? ingress = null)
    {
        using var http = (ingress ?? system.Ingress).CreateHttpClient(apiKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    private static bool IsReplay(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    private async Task<int> CallLogsToAsync(string number)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<int>("SELECT count(*) FROM call_logs WHERE phone_number = @number", new { number });
    }

    /// <summary>A request sent after the ones under test has reached Twilio: what they published is through the dispatcher too.</summary>
    private async Task AfterAMarkerRequestAsync()
    {
        var marker = await (await system.StartAsync(new { phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "t", instruction = "marker" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(marker);
    }

    [Fact]
    public async Task A_retried_start_answers_the_first_request_id_as_a_replay_and_twilio_gets_one_message()
    {
        var to = SystemFixture.UniqueNumber();
        var body = new { phone_number = to, channel = "sms", type = "informational", instruction = "Your parcel arrives today" };
        var key = NewKey();

        var first = await PostAsync("/start", body, key);
        var id = await first.AcceptedRequestIdAsync();
        Assert.False(IsReplay(first));
        var replay = await PostAsync("/start", body, key);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.True(IsReplay(replay));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.Equal(id, await replay.AcceptedRequestIdAsync());

        await system.RequestWithSidAsync(id);
        await AfterAMarkerRequestAsync();
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
        Assert.Equal(1, await CallLogsToAsync(to));
    }

    [Fact]
    public async Task Requests_racing_with_one_key_are_handled_once_and_the_others_replay_or_are_told_to_retry()
    {
        var to = SystemFixture.UniqueNumber();
        var body = new { phone_number = to, channel = "sms", type = "informational", instruction = "Raced" };
        var key = NewKey();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync("/start", body, key)));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.Single(accepted, r => !IsReplay(r));
        var ids = new HashSet<Guid>();
        foreach (var response in accepted) ids.Add(await response.AcceptedRequestIdAsync());
        var id = Assert.Single(ids);

        await system.RequestWithSidAsync(id);
        await AfterAMarkerRequestAsync();
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
        Assert.Equal(1, await CallLogsToAsync(to));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_naming_the_conflict_and_publishes_nothing()
    {
        var (to, other) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var key = NewKey();
        var id = await (await PostAsync("/start", new { phone_number = to, channel = "sms", type = "informational", instruction = "First" }, key))
            .AcceptedRequestIdAsync();

        var conflict = await PostAsync("/start", new { phone_number = other, channel = "sms", type = "informational", instruction = "Second" }, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        var problem = await conflict.JsonAsync();
        Assert.Equal("idempotency_key_reused", problem.Str("code"));
        Assert.Contains(key, problem.Str("title"));
        Assert.Contains("POST /start", problem.Str("title"));

        await system.RequestWithSidAsync(id);
        await AfterAMarkerRequestAsync();
        Assert.Empty(await system.Emulator.GetRequestsAsync(other));
        Assert.Equal(0, await CallLogsToAsync(other));
    }

    [Fact]
    public async Task Two_callers_using_the_same_key_get_their_own_requests()
    {
        var ours = await system.NewBilledDomainAsync("idem-ours", 1000);
        var theirs = await system.NewBilledDomainAsync("idem-theirs", 1000);
        var key = NewKey();
        var (toOurs, toTheirs, toAdmin) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());

        var a = await PostAsync("/start", Api.StartBody(toOurs, "sms", "informational", "From ours"), key, ours.ApiKey);
        var b = await PostAsync("/start", Api.StartBody(toTheirs, "sms", "informational", "From theirs"), key, theirs.ApiKey);
        var c = await PostAsync("/start", Api.StartBody(toAdmin, "sms", "informational", "From the admin"), key);
        var ids = new[] { await a.AcceptedRequestIdAsync(), await b.AcceptedRequestIdAsync(), await c.AcceptedRequestIdAsync() };
        Assert.False(IsReplay(a) || IsReplay(b) || IsReplay(c));
        Assert.Equal(3, ids.Distinct().Count());

        foreach (var id in ids) await system.RequestWithSidAsync(id);
        Assert.Equal(ours.AccountSid, Assert.Single(await system.Emulator.GetRequestsAsync(toOurs)).AccountSid);
        Assert.Equal(theirs.AccountSid, Assert.Single(await system.Emulator.GetRequestsAsync(toTheirs)).AccountSid);
        Assert.Single(await system.Emulator.GetRequestsAsync(toAdmin));

        // The same body again under the same key is each caller's own replay.
        var again = await PostAsync("/start", Api.StartBody(toTheirs, "sms", "informational", "From theirs"), key, theirs.ApiKey);
        Assert.True(IsReplay(again));
        Assert.Equal(ids[1], await again.AcceptedRequestIdAsync());
    }

    [Fact]
    public async Task A_replayed_credit_grant_leaves_one_ledger_entry()
    {
        var domain = await system.NewBilledDomainAsync("idem-grant", 0);
        var key = NewKey();
        var first = await PostAsync($"/admin/domains/{domain.Name}/credits", new { credits = 50, reason = "monthly plan" }, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var replay = await PostAsync($"/admin/domains/{domain.Name}/credits", new { credits = 50, reason = "monthly plan" }, key);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.True(IsReplay(replay));
        Assert.Equal((await first.JsonAsync())["entry_id"]!.GetValue<Guid>(), (await replay.JsonAsync())["entry_id"]!.GetValue<Guid>());

        var other = await PostAsync($"/admin/domains/{domain.Name}/credits", new { credits = 500, reason = "monthly plan" }, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);

        var ledger = await system.LedgerAsync(domain.Name);
        var entry = Assert.Single(ledger);
        Assert.Equal(50, entry!["credits"]!.GetValue<int>());
        Assert.Equal(50, (await system.BalanceAsync(domain.Name))["balance"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_first_use_still_running_answers_409_and_one_whose_process_died_is_taken_over_without_a_second_send()
    {
        var to = SystemFixture.UniqueNumber();
        var body = new { phone_number = to, channel = "sms", type = "informational", instruction = "Only once" };
        var key = NewKey();
        var id = await (await PostAsync("/start", body, key)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id);

        // As if the first use had not answered yet: its claim is fresh, then (its Ingress died) older than the timeout.
        await using var db = await system.Database.OpenConnectionAsync();
        await db.ExecuteAsync("""
            UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_headers = NULL, response_body = NULL,
                                        completed_at = NULL, claimed_at = now()
            WHERE scope = 'admin' AND key = @key
            """, new { key });
        var running = await PostAsync("/start", body, key);
        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.Equal("idempotency_key_in_progress", (await running.JsonAsync()).Str("code"));
        Assert.NotNull(running.Headers.RetryAfter);

        await db.ExecuteAsync("UPDATE idempotency_keys SET claimed_at = now() - interval '1 hour' WHERE scope = 'admin' AND key = @key", new { key });
        var takenOver = await PostAsync("/start", body, key);
        Assert.Equal(id, await takenOver.AcceptedRequestIdAsync());
        Assert.False(IsReplay(takenOver));
        Assert.True(IsReplay(await PostAsync("/start", body, key)));

        await AfterAMarkerRequestAsync();
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task A_503_is_not_kept_so_the_retry_succeeds_with_the_same_request_id()
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["RabbitMq:Port"] = FreePort.Next().ToString(), // nothing listens there: the broker is down for this Ingress
            ["RabbitMq:PublishTimeout"] = "00:00:01",
            ["Batches:DropFolder"] = "",
        };
        await using var brokerless = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, new LogCapture());
        await Task.Run(brokerless.StartServer);
        var to = SystemFixture.UniqueNumber();
        var body = new { phone_number = to, channel = "sms", type = "informational", instruction = "After the outage" };
        var key = NewKey();

        var down = await PostAsync("/start", body, key, ingress: brokerless);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        var again = await PostAsync("/start", body, key);
        var id = await again.AcceptedRequestIdAsync();
        Assert.False(IsReplay(again));

        await system.RequestWithSidAsync(id);
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_a_400_and_nothing_is_published()
    {
        var to = SystemFixture.UniqueNumber();
        var response = await PostAsync("/start", new { phone_number = to, channel = "sms", type = "t", instruction = "x" }, new string('k', 256));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("idempotency_key_invalid", (await response.JsonAsync()).Str("code"));
        await AfterAMarkerRequestAsync();
        Assert.Equal(0, await CallLogsToAsync(to));
    }

    [Fact]
    public async Task Keys_older_than_KeepFor_are_swept()
    {
        var (old, fresh) = (NewKey(), NewKey());
        await using var db = await system.Database.OpenConnectionAsync();
        await db.ExecuteAsync("""
            INSERT INTO idempotency_keys (scope, key, request_hash, request_method, request_path, status, claim_id, response_status, response_headers, response_body, created_at, completed_at)
            VALUES ('admin', @old, sha256('a'::bytea), 'POST', '/start', 'done', gen_random_uuid(), 202, '{}', '{}', now() - interval '25 hours', now() - interval '25 hours'),
                   ('admin', @fresh, sha256('b'::bytea), 'POST', '/start', 'done', gen_random_uuid(), 202, '{}', '{}', now() - interval '23 hours', now() - interval '23 hours')
            """, new { old, fresh });

        await Eventually.Get(async () => (int?)await db.ExecuteScalarAsync<int>("SELECT count(*) FROM idempotency_keys WHERE key = @old", new { old }),
            n => n == 0, "the sweep to delete the 25-hour-old key");
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM idempotency_keys WHERE key = @fresh", new { fresh }));
    }
}
