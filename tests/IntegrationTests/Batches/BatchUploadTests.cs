using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Batches;

/// <summary>POST /batches end to end: rows become requests in the emulator, bad rows are reported, bad files publish nothing.</summary>
[Collection(SystemCollection.Name)]
public sealed class BatchUploadTests(SystemFixture system)
{
    private const string Header = "phone_number,name,email,instruction,call_type,channel";

    private async Task<(string Domain, string Key)> FourChannelDomainAsync()
    {
        var sms = await system.NewAccountAsync();
        var phone = await system.NewAccountAsync();
        var whatsapp = await system.NewAccountAsync();
        var domain = Api.NewDomainName("batch");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = sms.Sid, ["twilio_sms_auth_token"] = sms.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
            ["twilio_phone_account_sid"] = phone.Sid, ["twilio_phone_auth_token"] = phone.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
            ["twilio_whatsapp_account_sid"] = whatsapp.Sid, ["twilio_whatsapp_auth_token"] = whatsapp.Token, ["twilio_whatsapp_number"] = "whatsapp:" + SystemFixture.UniqueNumber(),
        });
        return (domain, key);
    }

    private async Task<HttpResponseMessage> UploadAsync(string key, byte[] csv, string query = "", string contentType = "text/csv", string? idempotencyKey = null)
    {
        using var http = system.Ingress.CreateHttpClient(key);
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/batches" + query) { Content = content };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await http.SendAsync(request);
    }

    private static async Task<JsonObject> AcceptedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A request sent after the uploads under test has reached Twilio: what they published is through the dispatcher too.</summary>
    private async Task AfterAMarkerRequestAsync()
    {
        var marker = await (await system.StartAsync(new { phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "t", instruction = "marker" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(marker);
    }

    [Fact]
    public async Task A_csv_with_rows_for_all_four_channels_ends_as_the_right_requests_in_twilio()
    {
        var (domain, key) = await FourChannelDomainAsync();
        var to = Enumerable.Range(0, 5).Select(_ => SystemFixture.UniqueNumber()).ToArray();
        // BOM, CRLF, quoted commas, quotes and a line break; a row without channel takes default_channel (wmsg).
        var csv = "\uFEFF" + Header + "\r\n" +
            $"{to[0]},\"Doe, Jane\",jane@example.com,\"Say \"\"hi\"\", then\r\nask about Tuesday\",appointment_booking,sms\r\n" +
            $"{to[1]},Sam,,Remind about the invoice,informational,wmsg\r\n" +
            $"{to[2]},Ana,,Book a cleaning,appointment_booking,phone\r\n" +
            $"{to[3]},Bo,,Confirm the visit,appointment_booking,wvoice\r\n" +
            $"{to[4]},Cy,,Default channel,informational,\r\n";
        await system.PersonWroteOnWhatsAppAsync(domain, to[1], to[4]);
        var answer = await AcceptedAsync(await UploadAsync(key, Utf8(csv), "?default_channel=wmsg"));
        Assert.Equal(5, answer["accepted_count"]!.GetValue<int>());
        Assert.Equal(0, answer["rejected_count"]!.GetValue<int>());
        var batchId = answer["batch_id"]!.GetValue<Guid>();

        var expected = new[] { ("Messages", to[0], ""), ("Messages", to[1], "whatsapp:"), ("Calls", to[2], ""), ("Calls", to[3], "whatsapp:"), ("Messages", to[4], "whatsapp:") };
        foreach (var (resource, number, prefix) in expected)
        {
            var sent = await system.SentForRequestAsync(number);
            Assert.Equal(resource, sent.Resource);
            Assert.Equal(prefix + number, sent.Form["To"]);
        }
        var first = await system.SentForRequestAsync(to[0]);
        Assert.Contains("Jane", first.Form["Body"]);

        using var http = system.Ingress.CreateHttpClient(key);
        var progress = await Eventually.Get(async () => await (await http.GetAsync($"/batches/{batchId}")).JsonAsync(),
            b => b["pending_count"]!.GetValue<int>() == 0, "every row of the batch to be recorded");
        Assert.Equal(domain, progress.Str("domain_name"));
        Assert.Equal("published", progress.Str("status"));
        Assert.Equal(5, progress["statuses"]!.AsObject().Sum(s => s.Value!.GetValue<int>()));
    }

    [Fact]
    public async Task Bad_rows_are_reported_with_line_and_reasons_while_good_rows_go_on()
    {
        var (domain, key) = await FourChannelDomainAsync();
        var good = new[] { SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber() };
        await system.PersonWroteOnWhatsAppAsync(domain, good[1]);
        var csv = Header + "\n" +
            $"{good[0]},Ann,,Hello,informational,sms\n" +
            "0123,Bob,,Hello,informational,sms\n" +
            $"{SystemFixture.UniqueNumber()},Cy,not-an-email,,informational,fax\n" +
            $"{good[1]},Di,,Hello,informational,wmsg\n";
        var answer = await AcceptedAsync(await UploadAsync(key, Utf8(csv)));
        Assert.Equal(2, answer["accepted_count"]!.GetValue<int>());
        Assert.Equal(2, answer["rejected_count"]!.GetValue<int>());
        var rejected = answer["rejected_rows"]!.AsArray();
        Assert.Equal(3, rejected[0]!["line_number"]!.GetValue<int>());
        Assert.NotNull(rejected[0]!["errors"]!["phone_number"]);
        Assert.Equal(4, rejected[1]!["line_number"]!.GetValue<int>());
        var errors = rejected[1]!["errors"]!.AsObject();
        Assert.Contains("channel", errors.Select(e => e.Key));
        Assert.Contains("email", errors.Select(e => e.Key));
        Assert.Contains("instruction", errors.Select(e => e.Key));
        Assert.Contains("wvoice", errors["channel"]!.ToJsonString());
        foreach (var number in good) await system.SentForRequestAsync(number);
    }

    [Fact]
    public async Task A_retried_upload_with_the_same_batch_id_sends_nothing_twice()
    {
        var (_, key) = await FourChannelDomainAsync();
        var to = new[] { SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber() };
        var csv = Utf8(Header + "\n" + $"{to[0]},Ann,,Once,informational,sms\n{to[1]},Bo,,Once,informational,phone\n");
        var idempotencyKey = "upload-" + Guid.NewGuid();
        var firstResponse = await UploadAsync(key, csv, idempotencyKey: idempotencyKey);
        var first = await AcceptedAsync(firstResponse);
        Assert.Equal(idempotencyKey, first.Str("batch_id")); // a key of a batch id's form names the batch
        var batchUuid = first["batch_uuid"]!.GetValue<Guid>();

        var secondResponse = await UploadAsync(key, csv, idempotencyKey: idempotencyKey);
        Assert.Equal(first.ToJsonString(), (await AcceptedAsync(secondResponse)).ToJsonString());
        Assert.True(secondResponse.Headers.Contains("Idempotent-Replayed"));
        // Without the key, by the caller's id or by the uuid: the same batch, its rows published again under the same ids.
        foreach (var batchId in new[] { idempotencyKey, batchUuid.ToString() })
        {
            var again = await AcceptedAsync(await UploadAsync(key, csv, $"?batch_id={batchId}"));
            Assert.Equal(batchUuid, again["batch_uuid"]!.GetValue<Guid>());
            Assert.Equal(idempotencyKey, again.Str("batch_id"));
        }

        using var http = system.Ingress.CreateHttpClient(key);
        var progress = await Eventually.Get(async () => await (await http.GetAsync($"/batches/{batchUuid}")).JsonAsync(),
            b => b["pending_count"]!.GetValue<int>() == 0 && b["statuses"]!.AsObject().All(s => s.Key is not ("received" or "routed")),
            "the batch's requests to reach Twilio");
        Assert.Equal(2, progress["statuses"]!.AsObject().Sum(s => s.Value!.GetValue<int>()));
        // "sending" already passes the wait above while Twilio's answer is on its way: wait for the creation, then one only.
        foreach (var number in to) await system.SentForRequestAsync(number);
    }

    [Fact]
    public async Task The_readme_batch_id_is_taken_found_by_it_or_its_uuid_and_is_another_batch_for_another_domain()
    {
        const string batchId = "2026-11-crm-export";
        var (ours, ourKey) = await FourChannelDomainAsync();
        var (theirs, theirKey) = await FourChannelDomainAsync();
        var (toOurs, toTheirs) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        // As the README writes it: the same file, with the same batch_id, from two domains.
        var answers = new List<JsonObject>();
        foreach (var (key, to) in new[] { (ourKey, toOurs), (theirKey, toTheirs) })
        {
            var answer = await AcceptedAsync(await UploadAsync(key, Utf8($"{Header}\n{to},Ann,,Your order shipped,informational,\n"), $"?default_channel=sms&batch_id={batchId}"));
            Assert.Equal(batchId, answer.Str("batch_id"));
            answers.Add(answer);
        }
        var (ourUuid, theirUuid) = (answers[0]["batch_uuid"]!.GetValue<Guid>(), answers[1]["batch_uuid"]!.GetValue<Guid>());
        Assert.NotEqual(ourUuid, theirUuid);
        foreach (var to in new[] { toOurs, toTheirs })
            await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(to)).SingleOrDefault(), _ => true, $"the sms to {to}");

        using var http = system.Ingress.CreateHttpClient(ourKey);
        var byId = await (await http.GetAsync($"/batches/{batchId}")).JsonAsync();
        Assert.Equal((ourUuid, ours, batchId), (byId["batch_uuid"]!.GetValue<Guid>(), byId.Str("domain_name"), byId.Str("batch_id")));
        var byUuid = await (await http.GetAsync($"/batches/{ourUuid}")).JsonAsync();
        Assert.Equal(batchId, byUuid.Str("batch_id"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/batches/{theirUuid}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/batches/no-such-batch")).StatusCode);
        var admins = await (await system.Admin.GetAsync($"/batches/{batchId}?domain_name={theirs}")).JsonAsync();
        Assert.Equal(theirUuid, admins["batch_uuid"]!.GetValue<Guid>());

        var invalid = await UploadAsync(ourKey, Utf8($"{Header}\n"), "?batch_id=" + Uri.EscapeDataString("has spaces"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("batch_id", await invalid.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reuploading_a_batch_id_with_other_rows_is_a_409_naming_the_batch_and_sends_nothing()
    {
        var (_, key) = await FourChannelDomainAsync();
        var (to, other) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var batchId = "crm-" + Guid.NewGuid().ToString("N")[..12];
        var original = Utf8($"{Header}\n{to},Ann,,First rows,informational,sms\n");
        await AcceptedAsync(await UploadAsync(key, original, $"?batch_id={batchId}"));

        foreach (var (csv, query) in new[]
        {
            (Utf8($"{Header}\n{other},Bo,,Other rows,informational,sms\n"), $"?batch_id={batchId}"),
            (Utf8($"{Header}\n{other},Bo,,Other rows,informational,\n"), $"?batch_id={batchId}&default_channel=sms"),
        })
        {
            var refused = await UploadAsync(key, csv, query);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Conflict, $"expected 409, got {(int)refused.StatusCode}: {body}");
            Assert.Contains("batch_content_differs", body);
            Assert.Contains(batchId, body);
        }
        await AcceptedAsync(await UploadAsync(key, original, $"?batch_id={batchId}")); // the original file resumes it

        await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(to)).SingleOrDefault(), _ => true, "the first upload's sms");
        await AfterAMarkerRequestAsync();
        Assert.Empty(await system.Emulator.GetRequestsAsync(other));
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_file_is_a_422_and_sends_nothing()
    {
        var (_, key) = await FourChannelDomainAsync();
        var (to, other) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var idempotencyKey = Guid.NewGuid().ToString();
        await AcceptedAsync(await UploadAsync(key, Utf8($"{Header}\n{to},Ann,,First,informational,sms\n"), idempotencyKey: idempotencyKey));

        var refused = await UploadAsync(key, Utf8($"{Header}\n{other},Bo,,Second,informational,sms\n"), idempotencyKey: idempotencyKey);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("idempotency_key_reused", (await refused.JsonAsync()).Str("code"));
        // The key also names the batch: with a batch_id of the key's value and the key itself, the key's 422 comes first.
        var both = await UploadAsync(key, Utf8($"{Header}\n{other},Bo,,Second,informational,sms\n"), $"?batch_id={idempotencyKey}", idempotencyKey: idempotencyKey);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, both.StatusCode);

        await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(to)).SingleOrDefault(), _ => true, "the first upload's sms");
        await AfterAMarkerRequestAsync();
        Assert.Empty(await system.Emulator.GetRequestsAsync(other));
    }

    [Fact]
    public async Task A_retry_of_the_same_file_and_fields_is_a_replay_whether_sent_as_csv_or_as_multipart()
    {
        var (_, key) = await FourChannelDomainAsync();
        var to = SystemFixture.UniqueNumber();
        var csv = Utf8($"{Header}\n{to},Ann,,Hello,informational,\n");
        var idempotencyKey = Guid.NewGuid().ToString();
        var first = await AcceptedAsync(await UploadAsync(key, csv, "?default_channel=sms", idempotencyKey: idempotencyKey));

        // Each multipart upload has its own boundary: the key's request is the file's content and the fields, not the bytes on the wire.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var http = system.Ingress.CreateHttpClient(key);
            using var form = new MultipartFormDataContent { { new StringContent("sms"), "default_channel" } };
            var file = new ByteArrayContent(csv);
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(file, "file", "people.csv");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/batches") { Content = form };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            var replay = await http.SendAsync(request);
            Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(first.ToJsonString(), (await AcceptedAsync(replay)).ToJsonString());
        }
        await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(to)).SingleOrDefault(), _ => true, "the sms");
        await AfterAMarkerRequestAsync();
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task A_client_that_goes_away_during_the_upload_leaves_no_batch_and_no_spooled_file()
    {
        var (domain, key) = await FourChannelDomainAsync();
        var batchId = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var firstHalf = Utf8(Header + "\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"{SystemFixture.UniqueNumber()},Ann,,Row {i},informational,sms\n")));
        using var http = system.Ingress.CreateHttpClient(key);
        using var hangUp = new CancellationTokenSource();
        using var content = new HalfThenHangUp(firstHalf);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var upload = http.PostAsync($"/batches?batch_id={batchId}", content, hangUp.Token);

        static string[] Spooling(string folder) => Directory.GetFiles(folder, "*.part");
        await Eventually.Get(() => Task.FromResult<string[]?>(Spooling(system.SpoolFolder)), files => files.Length > 0, "the upload to be spooled");
        hangUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);

        await Eventually.Get(() => Task.FromResult<string[]?>(Spooling(system.SpoolFolder)), files => files.Length == 0, "the half-spooled file to be deleted");
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM batches WHERE domain_name = @domain AND client_batch_id = @batchId", new { domain, batchId }));
    }

    /// <summary>Sends the first part of a body, then waits until the client gives up on the request.</summary>
    private sealed class HalfThenHangUp(byte[] firstHalf) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(firstHalf, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task A_multipart_upload_works_like_a_csv_body_and_the_admin_names_the_domain()
    {
        var (domain, _) = await FourChannelDomainAsync();
        var to = SystemFixture.UniqueNumber();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(domain), "domain_name");
        form.Add(new StringContent("sms"), "default_channel");
        var file = new ByteArrayContent(Utf8($"phone_number,instruction,call_type\n{to},From a form,informational\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "people.csv");
        var answer = await AcceptedAsync(await system.Admin.PostAsync("/batches", form));
        Assert.Equal(1, answer["accepted_count"]!.GetValue<int>());
        var sent = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(to)).SingleOrDefault(), _ => true, "the sms");
        Assert.Equal("Messages", sent.Resource);

        using var other = new MultipartFormDataContent { { new ByteArrayContent(Utf8("phone_number,instruction,call_type\n")), "file", "x.csv" } };
        var noDomain = await system.Admin.PostAsync("/batches", other);
        Assert.Equal(HttpStatusCode.BadRequest, noDomain.StatusCode);
    }

    [Fact]
    public async Task Files_that_cannot_be_taken_are_refused_whole_and_publish_nothing()
    {
        var (domain, key) = await FourChannelDomainAsync();
        var to = SystemFixture.UniqueNumber();
        async Task Refused(HttpStatusCode status, string code, HttpResponseMessage response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            Assert.Contains(code, body);
        }

        await Refused(HttpStatusCode.BadRequest, "missing_column", await UploadAsync(key, Utf8($"phone_number,name,channel\n{to},Ann,sms\n")));
        await Refused(HttpStatusCode.BadRequest, "empty_file", await UploadAsync(key, []));
        await Refused(HttpStatusCode.BadRequest, "not_csv", await UploadAsync(key, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48]));
        await Refused(HttpStatusCode.UnsupportedMediaType, "not_csv", await UploadAsync(key, Utf8("{}"), contentType: "application/json"));
        // A good first row then a binary tail: nothing of it goes out.
        await Refused(HttpStatusCode.BadRequest, "not_csv", await UploadAsync(key, [.. Utf8($"{Header}\n{to},Ann,,Hi,informational,sms\n"), 0xFF, 0xFE, 0x00]));
        var large = new StringBuilder(Header + "\n");
        while (large.Length <= SystemFixture.BatchMaxFileBytes) large.Append($"{to},Ann,,A long enough instruction to fill the file,informational,sms\n");
        await Refused(HttpStatusCode.RequestEntityTooLarge, "file_too_large", await UploadAsync(key, Utf8(large.ToString())));
        await Refused(HttpStatusCode.BadRequest, "default_channel", await UploadAsync(key, Utf8($"{Header}\n{to},Ann,,Hi,informational,\n"), "?default_channel=fax"));
        await Refused(HttpStatusCode.Forbidden, "may not act", await UploadAsync(key, Utf8($"{Header}\n"), "?domain_name=someone-else"));

        // A good file of the same domain after the refused ones reaches Twilio: the refused ones published nothing before it.
        var after = SystemFixture.UniqueNumber();
        await AcceptedAsync(await UploadAsync(key, Utf8($"{Header}\n{after},Bo,,After the refused files,informational,sms\n")));
        await system.SentForRequestAsync(after);
        Assert.Empty(await system.Emulator.GetRequestsAsync(to));
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM call_logs WHERE domain_name = @domain AND phone_number = @to", new { domain, to }));
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM batches WHERE domain_name = @domain", new { domain }));
    }
}
