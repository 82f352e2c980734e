using System.Net;
using System.Text.Json;
using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

public sealed class MessagesTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>
{
    [Fact]
    public async Task Sdk_creates_a_message_and_fetches_it_back()
    {
        var to = Numbers.Person();
        var created = await MessageResource.CreateAsync(
            to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business), body: "Hello from Aventora",
            client: emulator.Twilio());

        Assert.Matches("^SM[0-9a-f]{32}$", created.Sid);
        Assert.Equal(MessageResource.StatusEnum.Queued, created.Status);
        Assert.Equal(MessageResource.DirectionEnum.OutboundApi, created.Direction);
        Assert.Equal(to, created.To);
        Assert.Equal(Numbers.Business, created.From.ToString());
        Assert.Equal("Hello from Aventora", created.Body);
        Assert.Equal(RunningEmulator.AccountSid, created.AccountSid);
        Assert.Equal("1", created.NumSegments);
        Assert.NotNull(created.DateCreated);
        Assert.Null(created.ErrorCode);

        var fetched = await MessageResource.FetchAsync(created.Sid, client: emulator.Twilio());
        Assert.Equal(created.Sid, fetched.Sid);
        Assert.Equal(to, fetched.To);

        var recorded = Assert.Single(await emulator.Admin.GetRequestsAsync(to));
        Assert.Equal("Messages", recorded.Resource);
        Assert.Equal(RunningEmulator.AccountSid, recorded.AccountSid);
        Assert.Equal("Hello from Aventora", recorded.Form["Body"]);
        Assert.Equal(201, recorded.StatusCode);
        Assert.Equal(created.Sid, recorded.CreatedSid);

        var message = Assert.Single(await emulator.Admin.GetMessagesAsync(to));
        Assert.Equal(created.Sid, message.Sid);
    }

    [Fact]
    public async Task Message_json_uses_twilio_field_names_and_rfc1123_dates()
    {
        var response = await PostFormAsync(RunningEmulator.AccountSid, RunningEmulator.AuthToken,
            ("To", Numbers.Person()), ("From", Numbers.Business), ("Body", "hi"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        foreach (var field in new[] { "sid", "account_sid", "to", "from", "body", "status", "direction", "date_created",
                     "date_updated", "api_version", "num_segments", "num_media", "price", "error_code", "error_message",
                     "uri", "messaging_service_sid", "subresource_uris" })
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal("2010-04-01", root.GetProperty("api_version").GetString());
        Assert.Matches(@"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$", root.GetProperty("date_created").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("price").ValueKind);
    }

    [Fact]
    public async Task Validation_errors_carry_twilios_codes()
    {
        var sid = RunningEmulator.AccountSid;
        var token = RunningEmulator.AuthToken;
        Assert.Equal(21604, await ErrorCodeAsync(await PostFormAsync(sid, token, ("From", Numbers.Business), ("Body", "x"))));
        Assert.Equal(21602, await ErrorCodeAsync(await PostFormAsync(sid, token, ("To", Numbers.Person()), ("From", Numbers.Business))));
        Assert.Equal(21910, await ErrorCodeAsync(await PostFormAsync(sid, token,
            ("To", "whatsapp:" + Numbers.Person()), ("From", Numbers.Business), ("Body", "x"))));

        var invalid = await Assert.ThrowsAsync<ApiException>(() => MessageResource.CreateAsync(
            to: new PhoneNumber("12345"), from: new PhoneNumber(Numbers.Business), body: "x", client: emulator.Twilio()));
        Assert.Equal(21211, invalid.Code);
        Assert.Equal(400, invalid.Status);
        Assert.Contains("12345", invalid.Message);

        // Templates need no Body.
        var template = await MessageResource.CreateAsync(
            to: new PhoneNumber("whatsapp:" + Numbers.Person()), from: new PhoneNumber("whatsapp:" + Numbers.Business),
            contentSid: "HX00000000000000000000000000000001", contentVariables: "{\"1\":\"Ana\"}", client: emulator.Twilio());
        Assert.Equal(MessageResource.StatusEnum.Queued, template.Status);
    }

    [Fact]
    public async Task Wrong_credentials_get_twilios_401_and_are_still_recorded()
    {
        var to = Numbers.Person();
        var wrongToken = await Assert.ThrowsAsync<ApiException>(() => MessageResource.CreateAsync(
            to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business), body: "x",
            client: emulator.Twilio(RunningEmulator.AccountSid, "not-the-token")));
        Assert.Equal(20003, wrongToken.Code);
        Assert.Equal(401, wrongToken.Status);

        var unknown = await PostFormAsync("AC99999999999999999999999999999999", "whatever", ("To", to), ("Body", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var body = await unknown.Content.ReadAsStringAsync();
        using (var json = JsonDocument.Parse(body))
        {
            Assert.Equal(20003, json.RootElement.GetProperty("code").GetInt32());
            Assert.Equal("Authenticate", json.RootElement.GetProperty("message").GetString());
            Assert.Equal("https://www.twilio.com/docs/errors/20003", json.RootElement.GetProperty("more_info").GetString());
            Assert.Equal(401, json.RootElement.GetProperty("status").GetInt32());
        }
        Assert.DoesNotContain("whatever", body);

        // The path's account must be the authenticated one.
        var otherPath = await PostFormAsync(RunningEmulator.AccountSid, RunningEmulator.AuthToken, [("To", to), ("Body", "x")],
            pathAccountSid: "AC99999999999999999999999999999999");
        Assert.Equal(HttpStatusCode.Unauthorized, otherPath.StatusCode);

        var recorded = await emulator.Admin.GetRequestsAsync(to);
        Assert.Equal(3, recorded.Count);
        Assert.All(recorded, r => Assert.Equal(401, r.StatusCode));
    }

    [Fact]
    public async Task Accounts_added_at_runtime_authenticate_and_adding_twice_is_harmless()
    {
        const string sid = "AC00000000000000000000000000000042";
        await emulator.Admin.AddAccountAsync(sid, "runtime-token");
        await emulator.Admin.AddAccountAsync(sid, "runtime-token");

        var message = await MessageResource.CreateAsync(to: new PhoneNumber(Numbers.Person()),
            from: new PhoneNumber(Numbers.Business), body: "x", client: emulator.Twilio(sid, "runtime-token"));
        Assert.Equal(sid, message.AccountSid);
        Assert.Contains(await emulator.Admin.GetAccountsAsync(), a => a.Sid == sid);
    }

    [Fact]
    public async Task Requests_filter_matches_with_or_without_whatsapp_prefix()
    {
        var person = Numbers.Person();
        await MessageResource.CreateAsync(to: new PhoneNumber("whatsapp:" + person),
            from: new PhoneNumber("whatsapp:" + Numbers.Business), body: "hola", client: emulator.Twilio());

        Assert.Single(await emulator.Admin.GetRequestsAsync(person));
        Assert.Single(await emulator.Admin.GetRequestsAsync("whatsapp:" + person));
        // An unencoded + in the query string must still match.
        var raw = await emulator.Http.GetStringAsync($"_emulator/requests?to={person}");
        Assert.Contains("hola", raw);
    }

    private async Task<HttpResponseMessage> PostFormAsync(string sid, string token, params (string Name, string Value)[] form) =>
        await PostFormAsync(sid, token, form, null);

    private async Task<HttpResponseMessage> PostFormAsync(string sid, string token, (string Name, string Value)[] form, string? pathAccountSid)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"2010-04-01/Accounts/{pathAccountSid ?? sid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{sid}:{token}")));
        return await emulator.Http.SendAsync(request);
    }

    private static async Task<int> ErrorCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("code").GetInt32();
    }
}
