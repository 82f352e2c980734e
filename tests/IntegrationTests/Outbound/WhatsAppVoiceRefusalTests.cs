using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.IntegrationTests.Outbound;

/// <summary>
/// A wvoice call Twilio will not make ends with Twilio's reason on the request, and is never turned into a plain phone
/// call (nor a message): the person's only entry in Twilio is the one WhatsApp call attempt.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class WhatsAppVoiceRefusalTests(SystemFixture system)
{
    private async Task<(string Domain, string Key, string WhatsAppNumber, string AccountSid)> DomainAsync()
    {
        var (whatsapp, phone) = (await system.NewAccountAsync(), await system.NewAccountAsync());
        var domain = Api.NewDomainName("wvoice-refused");
        var number = SystemFixture.UniqueNumber();
        // A phone pair and number too: a fallback to a phone call would have everything it needs.
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_whatsapp_account_sid"] = whatsapp.Sid, ["twilio_whatsapp_auth_token"] = whatsapp.Token, ["twilio_whatsapp_number"] = number,
            ["twilio_phone_account_sid"] = phone.Sid, ["twilio_phone_auth_token"] = phone.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
        });
        return (domain, key, number, whatsapp.Sid);
    }

    private async Task<Guid> CallAsync(string domain, string key, string to) =>
        await (await system.StartAsync(new { phone_number = to, channel = "wvoice", type = "reminder", instruction = "Your visit is tomorrow", domain_name = domain }, key))
            .AcceptedRequestIdAsync();

    private async Task AssertOnlyTheWhatsAppAttemptAsync(string person, string accountSid, string from)
    {
        var attempt = Assert.Single(await system.Emulator.GetRequestsAsync(person), r => r.Method == "POST");
        Assert.Equal(("Calls", accountSid, "whatsapp:" + person, "whatsapp:" + from), (attempt.Resource, attempt.AccountSid, attempt.To, attempt.From));
        Assert.Empty(await system.Emulator.GetMessagesAsync(person));
        Assert.DoesNotContain(await system.Emulator.GetCallsAsync(person), c => !c.To.StartsWith("whatsapp:"));
    }

    [Fact]
    public async Task A_wvoice_call_Twilio_refuses_to_create_fails_with_Twilios_reason_and_no_phone_call_follows()
    {
        var (domain, key, number, account) = await DomainAsync();
        var person = SystemFixture.UniqueNumber();
        const string reason = "The destination has not granted this business permission to call it on WhatsApp.";
        await system.Emulator.AddFailureAsync(new FailureRule(To: person, Resource: "Calls", Status: 400, Code: 21216, Message: reason));

        var id = await CallAsync(domain, key, person);
        var request = await system.RequestWhenAsync(id, r => r["error_code"] is not null || r["twilio_sid"] is not null, "the wvoice call to be decided", key);
        Assert.Equal("failed", request.Str("status"));
        Assert.Equal("twilio_21216", request.Str("error_code"));
        Assert.Contains(reason, request.Str("error_message"));
        Assert.Equal("wvoice", request.Str("channel"));
        await AssertOnlyTheWhatsAppAttemptAsync(person, account, number);
    }

    [Fact]
    public async Task A_wvoice_call_that_fails_after_creation_ends_with_Twilios_reason_and_no_phone_call_follows()
    {
        var (domain, key, number, account) = await DomainAsync();
        var person = SystemFixture.UniqueNumber();
        const string reason = "Call permission has not been granted by the WhatsApp user.";
        await system.Emulator.SetCallOutcomeAsync(person, "failed", 37000, reason);

        var id = await CallAsync(domain, key, person);
        var sid = (await system.RequestWithSidAsync(id, key)).Str("twilio_sid");
        var call = await system.Emulator.WaitForCallEndAsync(sid, TimeSpan.FromSeconds(30));
        Assert.Equal("failed", call.Status);
        // Waits for Twilio's end to reach the request, then asserts what the request made of it.
        var request = await system.RequestWhenAsync(id, r => r.Str("twilio_status") == "failed", "Twilio's failed to reach the request", key);
        Assert.Equal("failed", request.Str("status"));
        Assert.Contains("37000", request.Str("error_code"));
        Assert.Contains(reason, request.Str("error_message"));
        await AssertOnlyTheWhatsAppAttemptAsync(person, account, number);
    }
}
