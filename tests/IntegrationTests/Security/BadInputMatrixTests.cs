using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.IntegrationTests.Voice;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Every public endpoint against every class of bad input (missing, wrong type, too long, control characters, invalid UTF-8,
/// wrong content type, oversized body): a 4xx with a problem-details body, naming the field where there is one, never a 5xx,
/// and nothing published (the emulator hears nothing and call_logs holds nothing for the case's phone number). Media Streams,
/// which answer on a WebSocket, are closed as refused (1008, 1009 or 1007), never with 1011.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BadInputMatrixTests(SystemFixture system)
{
    /// <summary>One bad request: what to send (to a domain of the test's own and a phone number of the case's own), and the field it must name.</summary>
    public sealed record Case(string Method, string Path, Func<string, HttpContent?> Body, string? Field = null);

    private const string Domain = "{domain}";
    private static readonly string Huge = new('a', 300 * 1024);

    private static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static HttpContent JsonBytes(string before, string after)
    {
        // A JSON string holding bytes that are not UTF-8 (0xFF 0xFE): what a client with the wrong encoding sends.
        var bytes = Encoding.UTF8.GetBytes(before).Concat(new byte[] { 0xFF, 0xFE, 0x41 }).Concat(Encoding.UTF8.GetBytes(after)).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static HttpContent Text(string text) => new StringContent(text, Encoding.UTF8, "text/plain");

    private static HttpContent Form(params (string Key, string Value)[] fields) =>
        new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static string Start(string phone, string field = "", string value = "") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["phone_number"] = phone, ["channel"] = "sms", ["type"] = "informational", ["instruction"] = "Remind them", [field] = value,
        }.Where(kv => kv.Key != "").ToDictionary());

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // POST /start
        ["start missing"] = new("POST", "/start", _ => Json("{}"), "phone_number"),
        ["start wrong type"] = new("POST", "/start", p => Json($$"""{"phone_number":{{p[1..]}},"channel":"sms","type":"informational","instruction":"x"}"""), "phone_number"),
        ["start wrong type of instruction"] = new("POST", "/start", p => Json($$"""{"phone_number":"{{p}}","channel":"sms","type":"informational","instruction":["x"]}"""), "instruction"),
        ["start not json"] = new("POST", "/start", p => Json("{\"phone_number\": \"" + p), null),
        ["start too long"] = new("POST", "/start", p => Json(Start(p, "instruction", new string('a', 2001))), "instruction"),
        ["start too long name"] = new("POST", "/start", p => Json(Start(p, "name", new string('a', 201))), "name"),
        ["start content variables on sms"] = new("POST", "/start", p => Json(Start(p, "content_variables", "{\"1\":\"" + new string('a', 20_000) + "\"}")), "content_variables"),
        ["start control characters"] = new("POST", "/start", p => Json(Start(p, "name", "Ja\u0001ne")), "name"),
        ["start control characters in the instruction"] = new("POST", "/start", p => Json(Start(p, "instruction", "Say \u0007 twice")), "instruction"),
        ["start letters in the phone number"] = new("POST", "/start", _ => Json(Start("+1415555CALL")), "phone_number"),
        ["start invalid UTF-8"] = new("POST", "/start", p => JsonBytes($$"""{"phone_number":"{{p}}","channel":"sms","type":"informational","instruction":"bad """, "\"}"), "instruction"),
        ["start wrong content type"] = new("POST", "/start", p => Text(Start(p))),
        ["start oversized body"] = new("POST", "/start", p => Json(Start(p, "instruction", Huge))),

        // GET /requests/{id}, /batches/{id}
        ["request wrong type"] = new("GET", "/requests/not-a-guid", _ => null),
        ["batch wrong type"] = new("GET", "/batches/not-a-guid", _ => null),

        // POST /batches (CSV)
        ["batches missing"] = new("POST", "/batches?domain_name=" + Domain, _ => new StringContent("", Encoding.UTF8, "text/csv")),
        ["batches wrong type"] = new("POST", "/batches?domain_name=" + Domain + "&default_channel=42", p => Csv(p), "default_channel"),
        ["batches too long file name"] = new("POST", "/batches?domain_name=" + Domain, p => Multipart(p, new string('n', 450) + ".csv")),
        ["batches control characters"] = new("POST", "/batches?domain_name=" + Domain + "&default_channel=sms%01", p => Csv(p), "default_channel"),
        ["batches invalid UTF-8"] = new("POST", "/batches?domain_name=" + Domain, p => new ByteArrayContent(
            Encoding.UTF8.GetBytes($"phone_number,instruction,call_type\n{p},bad ").Concat(new byte[] { 0xFF, 0xFE }).Concat("x,informational\n"u8.ToArray()).ToArray())
            { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }),
        ["batches wrong content type"] = new("POST", "/batches?domain_name=" + Domain, p => Json(Start(p))),
        ["batches oversized body"] = new("POST", "/batches?domain_name=" + Domain, p => new StringContent(
            $"phone_number,instruction,call_type\n{p},x,informational\n" + new string('#', (int)SystemFixture.BatchMaxFileBytes + 10), Encoding.UTF8, "text/csv")),

        // Domain administration
        ["domain missing"] = new("POST", "/admin/domains", _ => Json("{}"), "domain_name"),
        ["domain wrong type"] = new("POST", "/admin/domains", _ => Json("""{"domain_name":42}"""), "domain_name"),
        ["domain wrong type of technical_json"] = new("POST", "/admin/domains", _ => Json("""{"domain_name":"x-y","technical_json":"sid"}"""), "technical_json"),
        ["domain too long"] = new("POST", "/admin/domains", _ => Json($$"""{"domain_name":"{{new string('d', 250)}}"}"""), "domain_name"),
        ["domain control characters"] = new("POST", "/admin/domains", _ => Json("{\"domain_name\":\"ab\u0001c\"}"), "domain_name"),
        ["domain control characters in technical_json"] = new("PUT", "/admin/domains/" + Domain, _ => Json("{\"technical_json\":{\"greeting\":\"hi\\u0002\"}}"), "technical_json"),
        ["domain invalid UTF-8"] = new("POST", "/admin/domains", _ => JsonBytes("""{"domain_name":"x""", "\"}"), "domain_name"),
        ["domain update missing"] = new("PUT", "/admin/domains/" + Domain, _ => null),
        ["domain wrong content type"] = new("POST", "/admin/domains", _ => Text("""{"domain_name":"x-y"}""")),
        ["domain oversized body"] = new("PUT", "/admin/domains/" + Domain, _ => Json("{\"technical_json\":{\"notes\":\"" + Huge + "\"}}")),
        ["api key wrong type"] = new("POST", $"/admin/domains/{Domain}/api-keys", _ => Json("""{"label":["a"]}"""), "label"),
        ["api key too long"] = new("POST", $"/admin/domains/{Domain}/api-keys", _ => Json($$"""{"label":"{{new string('l', 201)}}"}"""), "label"),
        ["api key control characters"] = new("POST", $"/admin/domains/{Domain}/api-keys", _ => Json("{\"label\":\"ci\\u001b[31m\"}"), "label"),
        ["api key invalid UTF-8"] = new("POST", $"/admin/domains/{Domain}/api-keys", _ => JsonBytes("""{"label":"x""", "\"}"), "label"),
        ["api key wrong content type"] = new("POST", $"/admin/domains/{Domain}/api-keys", _ => Text("""{"label":"x"}""")),
        ["api key revoke wrong type"] = new("DELETE", $"/admin/domains/{Domain}/api-keys/not-a-guid", _ => null),

        // Mailbox
        ["mailbox missing"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => Json("{}"), "imap_host"),
        ["mailbox wrong type"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => Json("""{"imap_host":"imap.example.com","imap_port":"nine hundred"}"""), "imap_port"),
        ["mailbox too long"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => Json($$"""{"imap_host":"imap.example.com","username":"{{new string('u', 400)}}","password":"p"}"""), "username"),
        ["mailbox control characters"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => Json("{\"imap_host\":\"imap.example.com\",\"username\":\"u\",\"password\":\"p\",\"folder\":\"IN\\u0000BOX\"}"), "folder"),
        ["mailbox invalid UTF-8"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => JsonBytes("""{"imap_host":"x""", "\"}"), "imap_host"),
        ["mailbox wrong content type"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => Text("{}")),
        ["mailbox oversized body"] = new("PUT", $"/admin/domains/{Domain}/email-pull", _ => Json($$"""{"password":"{{Huge}}"}""")),

        // Credits
        ["credits missing"] = new("POST", $"/admin/domains/{Domain}/credits", _ => Json("{}"), "credits"),
        ["credits wrong type"] = new("POST", $"/admin/domains/{Domain}/credits", _ => Json("""{"credits":"ten","reason":"x"}"""), "credits"),
        ["credits too long"] = new("POST", $"/admin/domains/{Domain}/credits", _ => Json($$"""{"credits":10,"reason":"{{new string('r', 501)}}"}"""), "reason"),
        ["credits control characters"] = new("POST", $"/admin/domains/{Domain}/credits", _ => Json("{\"credits\":10,\"reason\":\"gift\\u0008\"}"), "reason"),
        ["credits invalid UTF-8"] = new("POST", $"/admin/domains/{Domain}/credits", _ => JsonBytes("""{"credits":10,"reason":"x""", "\"}"), "reason"),
        ["credits wrong content type"] = new("POST", $"/admin/domains/{Domain}/credits", _ => Text("""{"credits":10}""")),
        ["credits oversized body"] = new("POST", $"/admin/domains/{Domain}/credits", _ => Json($$"""{"credits":10,"reason":"{{Huge}}"}""")),
        ["ledger wrong type"] = new("GET", $"/admin/domains/{Domain}/ledger?page=first", _ => null, "page"),
        ["ledger too large"] = new("GET", $"/domains/{Domain}/ledger?page_size=100000", _ => null, "page_size"),
        ["ledger overflow"] = new("GET", $"/domains/{Domain}/ledger?page=99999999999999999999", _ => null, "page"),

        // Status webhook settings: the URL must be https (or an allowed host's http), public, and well formed
        ["status webhook missing"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("{}"), "status_webhook_url"),
        ["status webhook wrong type"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("""{"status_webhook_url":42}"""), "status_webhook_url"),
        ["status webhook wrong type of body"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("""["https://example.com/hook"]""")),
        ["status webhook not a URL"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("""{"status_webhook_url":"hooks are here"}"""), "status_webhook_url"),
        ["status webhook file URL"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("""{"status_webhook_url":"file:///etc/passwd"}"""), "status_webhook_url"),
        ["status webhook private address"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("""{"status_webhook_url":"https://10.0.0.1/hook"}"""), "status_webhook_url"),
        ["status webhook credentials in the URL"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("""{"status_webhook_url":"https://user:pass@10.1.2.3/hook"}"""), "status_webhook_url"),
        ["status webhook too long"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json($$"""{"status_webhook_url":"https://10.0.0.1/{{new string('h', 5000)}}"}"""), "status_webhook_url"),
        ["status webhook control characters"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("{\"status_webhook_url\":\"https://10.0.0.1/ho\\u0001ok\"}"), "status_webhook_url"),
        ["status webhook control characters in the host"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json("{\"status_webhook_url\":\"https://exa\\u0000mple.com/hook\"}"), "status_webhook_url"),
        ["status webhook invalid UTF-8"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => JsonBytes("""{"status_webhook_url":"https://10.0.0.1/""", "\"}"), "status_webhook_url"),
        ["status webhook wrong content type"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Text("""{"status_webhook_url":"https://10.0.0.1/hook"}""")),
        ["status webhook oversized body"] = new("PUT", $"/domains/{Domain}/status-webhook", _ => Json($$"""{"status_webhook_url":"https://10.0.0.1/{{Huge}}"}""")),
        ["status webhook deliveries wrong type"] = new("GET", $"/domains/{Domain}/status-webhook/deliveries?request_id=not-a-guid", _ => null),
        ["status webhook deliveries bad status"] = new("GET", $"/domains/{Domain}/status-webhook/deliveries?status=%01gone", _ => null, "status"),
        ["status webhook retry wrong type"] = new("POST", $"/domains/{Domain}/status-webhook/deliveries/not-a-guid/retry", _ => null),

        // Twilio's webhooks: form posts, signed
        ["status callback wrong content type"] = new("POST", "/twilio/status/call", _ => Json("""{"CallSid":"CA1"}""")),
        ["status callback missing"] = new("POST", "/twilio/status/message", _ => Form()),
        ["status callback control characters"] = new("POST", "/twilio/status/call", _ => Form(("CallSid", "CA\u0001"), ("CallStatus", "completed"))),
        ["status callback oversized body"] = new("POST", "/twilio/status/message", _ => Form(("MessageSid", "SM1"), ("Body", Huge))),
        ["status callback no content type"] = new("POST", "/twilio/status/message", _ => new ByteArrayContent("MessageSid=SM1"u8.ToArray())),
        ["inbound sms wrong content type"] = new("POST", "/sms/webhook", _ => Text("Body=hi")),
        ["inbound sms invalid UTF-8"] = new("POST", "/sms/webhook", p => new ByteArrayContent(Encoding.ASCII.GetBytes($"From={Uri.EscapeDataString(p)}&To=%2B14155550100&MessageSid=SM1&Body=%FF%FE"))
            { Headers = { ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") } }),
        ["inbound whatsapp oversized body"] = new("POST", "/whatsapp/webhook", p => Form(("From", p), ("Body", Huge))),
        ["twiml wrong content type"] = new("POST", $"/voice/twiml/{Guid.Empty}", _ => Json("{}")),
        ["twiml wrong type"] = new("POST", "/voice/twiml/not-a-guid", _ => Form(("CallSid", "CA1"))),
    };

    private static HttpContent Csv(string phone) =>
        new StringContent($"phone_number,instruction,call_type\n{phone},Remind them,informational\n", Encoding.UTF8, "text/csv");

    private static HttpContent Multipart(string phone, string fileName)
    {
        var form = new MultipartFormDataContent();
        form.Add(Csv(phone), "file", fileName);
        return form;
    }

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    private static string? _domain;

    private async Task<string> DomainAsync()
    {
        if (_domain is not null) return _domain;
        var name = Api.NewDomainName("badinput");
        await system.CreateDomainAsync(name, new Dictionary<string, string>());
        return _domain = name;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_input_gets_a_4xx_problem_naming_the_field_and_nothing_is_published(string name)
    {
        var @case = Cases[name];
        var domain = await DomainAsync();
        var phone = SystemFixture.UniqueNumber();
        using var request = new HttpRequestMessage(new HttpMethod(@case.Method), @case.Path.Replace(Domain, domain)) { Content = @case.Body(phone) };
        using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{name}: expected a 4xx, got {status}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()), body);
        if (@case.Field is { } field)
            Assert.True(problem["errors"]?.AsObject().ContainsKey(field) == true, $"{name}: expected errors to name '{field}': {body}");
        if (name.EndsWith("invalid UTF-8") && @case.Field is not null) Assert.Contains("UTF-8", body);

        await NothingPublishedForAsync(phone);
    }

    [Fact]
    public async Task A_CSV_row_with_a_control_character_is_rejected_naming_the_field_and_not_published()
    {
        var domain = await DomainAsync();
        var phone = SystemFixture.UniqueNumber();
        using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
        var response = await http.PostAsync($"/batches?domain_name={domain}&default_channel=sms",
            new StringContent($"phone_number,instruction,call_type\n{phone},\"Say \u0001 this\",informational\n+1415555CALL,Hi,informational\n", Encoding.UTF8, "text/csv"));
        var body = await response.JsonAsync();
        Assert.Equal(0, body["accepted_count"]!.GetValue<int>());
        var rows = body["rejected_rows"]!.AsArray();
        Assert.Contains("control character", rows[0]!["errors"]!["instruction"]![0]!.GetValue<string>());
        Assert.Contains("+14155552255", rows[1]!["errors"]!["phone_number"]![0]!.GetValue<string>());
        await NothingPublishedForAsync(phone);
    }

    /// <summary>First messages no Twilio sends on a Media Stream, for a made-up request (<c>{id}</c>): each is closed, never with 1011.</summary>
    private static readonly Dictionary<string, string> StreamStarts = new()
    {
        ["not JSON"] = "{\"event\": \"start\", ",
        ["start without parameters"] = """{"event":"start","start":{}}""",
        ["start of wrong types"] = """{"event":"start","start":{"customParameters":{"requestId":42,"token":["x"]},"callSid":7,"accountSid":{}}}""",
        ["start naming another request"] = """{"event":"start","start":{"customParameters":{"requestId":"{other}","token":"4102444800.x"}}}""",
        ["start with control characters"] = """{"event":"start","start":{"customParameters":{"requestId":"{id}","token":"4102444800\u0001.x\u0000"}}}""",
        ["start with a huge expiry"] = """{"event":"start","start":{"customParameters":{"requestId":"{id}","token":"99999999999999999999999999.x"}}}""",
        ["oversized start"] = """{"event":"start","start":{"customParameters":{"requestId":"{id}","token":"{huge}"}}}""",
    };

    public static TheoryData<string> StreamStartNames() => new(StreamStarts.Keys);

    [Theory]
    [MemberData(nameof(StreamStartNames))]
    public async Task A_bad_Media_Stream_start_is_closed_as_refused_never_as_an_error(string name)
    {
        var id = Guid.NewGuid();
        var message = StreamStarts[name].Replace("{id}", id.ToString()).Replace("{other}", Guid.NewGuid().ToString()).Replace("{huge}", new string('t', 64 * 1024));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(system.StreamUrl(id), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        var closed = await socket.ClosedWithAsync(TimeSpan.FromSeconds(30));
        Assert.True(closed is WebSocketCloseStatus.PolicyViolation or WebSocketCloseStatus.MessageTooBig or WebSocketCloseStatus.InvalidPayloadData,
            $"{name}: expected a close as refused (1008, 1009 or 1007), got {(closed is { } c ? (int)c : "none")}");
    }

    [Theory]
    [InlineData("/voice/stream/{id}")]      // no WebSocket upgrade
    [InlineData("/voice/stream/not-a-guid")]
    public async Task A_Media_Stream_URL_fetched_without_a_WebSocket_or_with_a_bad_id_gets_a_4xx(string path)
    {
        using var http = new HttpClient { BaseAddress = system.Voice.BaseAddress };
        using var response = await http.GetAsync(path.Replace("{id}", Guid.NewGuid().ToString()));
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path}: expected a 4xx, got {(int)response.StatusCode}");
    }

    /// <summary>
    /// A request published for <paramref name="phone"/> would reach call_logs before a later one does: so a good request sent
    /// after it and seen in call_logs shows that nothing for <paramref name="phone"/> is on its way.
    /// </summary>
    private async Task NothingPublishedForAsync(string phone)
    {
        var sentinel = SystemFixture.UniqueNumber();
        (await system.StartAsync(Api.StartBody(sentinel, "sms", "informational", "Sentinel"))).EnsureSuccessStatusCode();
        await using var db = await system.Database.OpenConnectionAsync();
        await Eventually.Get(async () => (long?)await Dapper.SqlMapper.ExecuteScalarAsync<long>(db,
            "SELECT count(*) FROM call_logs WHERE phone_number = @sentinel", new { sentinel }), n => n > 0, "the sentinel request to be recorded");
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<long>(db, "SELECT count(*) FROM call_logs WHERE phone_number = @phone", new { phone }));
        Assert.Empty(await system.Emulator.GetRequestsAsync(phone));
    }

    /// <summary>The console's sign-in form: what a person (or a crafted link) can put in it. Each gets an answer, never a 5xx.</summary>
    public static TheoryData<string, string, string?, string> ConsoleSignInCases() => new()
    {
        // name, api_key, return_url, where the answer must send the browser
        { "return_url to another site", SystemFixture.AdminKey, "https://evil.example/steal", "/send" },
        { "return_url protocol-relative", SystemFixture.AdminKey, "//evil.example/steal", "/send" },
        { "return_url with a backslash", SystemFixture.AdminKey, "/\\evil.example/steal", "/send" },
        { "return_url with a line break", SystemFixture.AdminKey, "/requests\r\nSet-Cookie: x=1", "/send" },
        { "return_url local", SystemFixture.AdminKey, "/requests?status=sent", "/requests?status=sent" },
        { "key with a line break", "av_0000\r\nX-Injected: 1", null, "/signin?message=malformed" },
        { "key with a control character", "av_00\u000100", "/requests", "/signin?message=malformed" },
        { "key with non-ASCII letters", "av_clé", null, "/signin?message=malformed" },
        { "key far too long", "av_" + new string('0', 5000), null, "/signin?message=malformed" },
        { "key missing", "", null, "/signin?message=missing" },
        { "key unknown", "av_0000000000000000000000000000000000000000", "//evil.example", "/signin?message=refused" },
    };

    [Theory]
    [MemberData(nameof(ConsoleSignInCases))]
    public async Task Console_sign_in_answers_bad_input_with_a_redirect_that_stays_on_the_console(string name, string apiKey, string? returnUrl, string expected)
    {
        var console = await Console.ConsoleHost.ForAsync(system);
        using var client = new Console.ConsoleClient(console);

        using var response = await client.SignInAsync(apiKey, returnUrl);

        Assert.True((int)response.StatusCode is >= 300 and < 400, $"{name}: expected a redirect, got {(int)response.StatusCode}");
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }
}
