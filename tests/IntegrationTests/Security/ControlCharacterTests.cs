using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// A control character in an instruction once produced TwiML Twilio refused (12100), and the failed call was billed as connected.
/// Now the API refuses the character, and a call whose TwiML Twilio could not run is recorded failed and costs nothing.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ControlCharacterTests(SystemFixture system)
{
    [Fact]
    public async Task A_control_character_in_the_instruction_is_refused_naming_the_field_and_nothing_is_called()
    {
        var person = SystemFixture.UniqueNumber();
        var response = await system.StartAsync(Api.StartBody(person, "phone", "informational", "Remind Jane\u0001 about Tuesday"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Contains("U+0001", problem["errors"]!["instruction"]![0]!.GetValue<string>());
        Assert.Empty(await system.Emulator.GetCallsAsync(person));
    }

    [Fact]
    public async Task A_call_whose_TwiML_Twilio_could_not_parse_is_recorded_failed_and_not_billed()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("twiml");
        await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
        }, credits: 100);

        // A Twilio of this test's own, slow enough that the request's row knows the call's SID before the call ends.
        await using var twilio = Aventora.TwilioEmulator.EmulatorApp.Create(["--urls", "http://127.0.0.1:0", "--Emulator:StepDelayMs", "1000"]);
        await twilio.StartAsync();
        var emulator = new EmulatorClient(new HttpClient { BaseAddress = new Uri(twilio.Urls.First()) });
        await emulator.AddAccountAsync(account.Sid, account.Token);

        var requestId = Guid.NewGuid();
        var person = SystemFixture.UniqueNumber();
        await using (var db = await system.Database.OpenConnectionAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(db, """
                INSERT INTO call_logs (id, domain_name, domain_id, channel, phone_number, type, instruction, source, status)
                VALUES (@requestId, @domain, (SELECT id FROM domains WHERE name = @domain), 'phone', @person, 'informational', 'Call with a broken script', 'api', 'sending')
                """, new { requestId, domain, person });
        }
        var sid = await PlaceCallWithTwimlAsync(twilio.Urls.First(), account, person, "<Response><Say>Hello \u0001 Jane</Say></Response>");
        await using (var db = await system.Database.OpenConnectionAsync())
            await Dapper.SqlMapper.ExecuteAsync(db, "UPDATE call_logs SET twilio_sid = @sid, status = 'queued' WHERE id = @requestId", new { sid, requestId });

        var request = await system.RequestWhenAsync(requestId, r => r.Str("status") is "failed" or "completed", "the call to end");
        Assert.Equal("failed", request.Str("status"));
        Assert.Equal("twilio_12100", request.Str("error_code"));
        Assert.Contains("not billed", request.Str("error_message"));
        Assert.Equal(12100, (await emulator.GetCallAsync(sid))!.ErrorCode);

        await system.SettledBalanceAsync(domain, 100);
        Assert.DoesNotContain(await system.LedgerAsync(domain), e => e!["kind"]!.GetValue<string>() == "call");
    }

    /// <summary>What Twilio's REST API is told by an application whose TwiML is inline: the call, its script and where to report.</summary>
    private async Task<string> PlaceCallWithTwimlAsync(string twilioUrl, (string Sid, string Token) account, string to, string twiml)
    {
        using var http = new HttpClient { BaseAddress = new Uri(twilioUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.ASCII.GetBytes($"{account.Sid}:{account.Token}")));
        var response = await http.PostAsync($"2010-04-01/Accounts/{account.Sid}/Calls.json", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["To"] = to, ["From"] = "+14155550199", ["Twiml"] = twiml,
            ["StatusCallback"] = $"{system.Settings["Ingress:PublicBaseUrl"]}/twilio/status/call",
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["sid"]!.GetValue<string>();
    }
}
