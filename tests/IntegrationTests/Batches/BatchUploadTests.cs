using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

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
            ["twilio_sms_account_sid"] = sms.Sid, ["twilio_sms_auth_token"] = sms.Token, ["twilio_sms_number"] = "+14155550301",
            ["twilio_phone_account_sid"] = phone.Sid, ["twilio_phone_auth_token"] = phone.Token, ["twilio_phone_number"] = "+14155550302",
            ["twilio_whatsapp_account_sid"] = whatsapp.Sid, ["twilio_whatsapp_auth_token"] = whatsapp.Token, ["twilio_whatsapp_number"] = "whatsapp:+14155550303",
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
            var sent = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(number)).SingleOrDefault(), _ => true, $"a request to {number}");
            Assert.Equal(resource, sent.Resource);
            Assert.Equal(prefix + number, sent.Form["To"]);
        }
        var first = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(to[0])).SingleOrDefault(), _ => true, "the sms");
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
        foreach (var number in good)
            await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(number)).SingleOrDefault(), _ => true, $"a request to {number}");
    }

    [Fact]
    public async Task A_retried_upload_with_the_same_batch_id_sends_nothing_twice()
    {
        var (_, key) = await FourChannelDomainAsync();
        var to = new[] { SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber() };
        var csv = Utf8(Header + "\n" + $"{to[0]},Ann,,Once,informational,sms\n{to[1]},Bo,,Once,informational,phone\n");
        var idempotencyKey = "upload-" + Guid.NewGuid();
        var first = await AcceptedAsync(await UploadAsync(key, csv, idempotencyKey: idempotencyKey));
        var second = await AcceptedAsync(await UploadAsync(key, csv, idempotencyKey: idempotencyKey));
        Assert.Equal(first["batch_id"]!.GetValue<Guid>(), second["batch_id"]!.GetValue<Guid>());
        var batchId = first["batch_id"]!.GetValue<Guid>();
        var third = await AcceptedAsync(await UploadAsync(key, csv, $"?batch_id={batchId}"));
        Assert.Equal(batchId, third["batch_id"]!.GetValue<Guid>());

        using var http = system.Ingress.CreateHttpClient(key);
        var progress = await Eventually.Get(async () => await (await http.GetAsync($"/batches/{batchId}")).JsonAsync(),
            b => b["pending_count"]!.GetValue<int>() == 0 && b["statuses"]!.AsObject().All(s => s.Key is not ("received" or "routed")),
            "the batch's requests to reach Twilio");
        Assert.Equal(2, progress["statuses"]!.AsObject().Sum(s => s.Value!.GetValue<int>()));
        foreach (var number in to) Assert.Single(await system.Emulator.GetRequestsAsync(number));
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

        // The domain key's own domain wins; nothing reached Twilio for this number.
        await Task.Delay(500);
        Assert.Empty(await system.Emulator.GetRequestsAsync(to));
        Assert.NotNull(domain);
    }
}
