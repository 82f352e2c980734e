using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>
/// Voicemail on phone calls: a domain with <c>voicemail_mode</c> on asks Twilio for asynchronous answering machine detection. A
/// machine gets the domain's voicemail (or is hung up on), a person gets the conversation; <c>answered_by</c> and what was done
/// show on the request, and the call is billed as Twilio connected it.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class VoicemailTests(SystemFixture system)
{
    private const string Voicemail = "Hi, this is Acme Dental. Your appointment is tomorrow at 9; call us back to move it.";
    private const int Credits = 100_000;
    private const int InformationalCall = 10; // Billing:CallPrices:informational

    [Fact]
    public async Task A_machine_that_answers_gets_the_domains_voicemail_and_the_request_says_so()
    {
        var domain = await system.DomainAsync("vm-message", new Dictionary<string, string> { ["voicemail_mode"] = "message", ["voicemail_message"] = Voicemail });
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetAnsweredByAsync(person, "machine_start", times: 1);

        var id = await StartCallAsync(domain, person);
        var request = await system.RequestWhenAsync(id, r => r.Str("status") == "completed", "the call to end", domain.Key);

        // Twilio was asked for detection that waits for the beep, in the background, reporting to Aventora's detection callback.
        var create = Assert.Single(await system.Emulator.GetRequestsAsync(person), r => r.Method == "POST");
        Assert.Equal(("DetectMessageEnd", "true"), (create.Form["MachineDetection"], create.Form["AsyncAmd"]));
        Assert.Contains($"/twilio/amd?channel=phone&domain={domain.Name}&request_id={id:D}", create.Form["AsyncAmdStatusCallback"]);

        // The machine recorded the voicemail, and only that.
        var call = Assert.Single(await system.Emulator.GetCallsAsync(person));
        Assert.Equal([Voicemail], call.Says);
        Assert.Equal("machine_end_beep", call.AnsweredBy);

        Assert.Equal(("machine_end_beep", "voicemail"), (request.Str("answered_by"), request.Str("machine_action")));
        Assert.Contains(request["transcript"]!.AsArray(), t => t!["speaker"]!.GetValue<string>() == "assistant" && t["text"]!.GetValue<string>() == Voicemail);
        // The voicemail was a connected call: billed by the request's type.
        await system.SettledBalanceAsync(domain.Name, Credits - InformationalCall);
    }

    [Fact]
    public async Task In_hangup_mode_a_machine_is_hung_up_on_without_a_word()
    {
        var domain = await system.DomainAsync("vm-hangup", new Dictionary<string, string> { ["voicemail_mode"] = "hangup" });
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetAnsweredByAsync(person, "machine_end_beep", times: 1);

        var id = await StartCallAsync(domain, person);
        var request = await system.RequestWhenAsync(id, r => r.Str("status") == "completed" && r.Str("machine_action") == "hangup",
            "the call to be hung up", domain.Key);

        var create = Assert.Single(await system.Emulator.GetRequestsAsync(person), r => r.Method == "POST");
        Assert.Equal("Enable", create.Form["MachineDetection"]); // hanging up needs no wait for the beep
        var call = Assert.Single(await system.Emulator.GetCallsAsync(person));
        Assert.Empty(call.Says);
        Assert.Equal("machine_start", request.Str("answered_by"));
    }

    [Fact]
    public async Task A_person_who_answers_gets_the_conversation_and_a_domain_without_voicemail_asks_for_no_detection()
    {
        var domain = await system.DomainAsync("vm-human", new Dictionary<string, string> { ["voicemail_mode"] = "message", ["voicemail_message"] = Voicemail });
        var person = SystemFixture.UniqueNumber();

        var id = await StartCallAsync(domain, person);
        var request = await system.RequestWhenAsync(id, r => r.Str("status") == "completed" && r.Str("answered_by") != "",
            "the call to end with its answerer known", domain.Key);
        Assert.Equal("human", request.Str("answered_by"));
        Assert.Null(request["machine_action"]);
        var call = Assert.Single(await system.Emulator.GetCallsAsync(person));
        Assert.NotEmpty(call.Says);
        Assert.DoesNotContain(Voicemail, call.Says);

        var plain = await system.DomainAsync("vm-off");
        var other = SystemFixture.UniqueNumber();
        await system.RequestWhenAsync(await StartCallAsync(plain, other), r => r.Str("status") == "completed", "the plain call to end", plain.Key);
        var create = Assert.Single(await system.Emulator.GetRequestsAsync(other), r => r.Method == "POST");
        Assert.False(create.Form.ContainsKey("MachineDetection"));
    }

    [Fact]
    public async Task A_detection_result_not_signed_by_the_domains_account_is_refused_and_changes_nothing()
    {
        var domain = await system.DomainAsync("vm-forged", new Dictionary<string, string> { ["voicemail_mode"] = "hangup" });
        var person = SystemFixture.UniqueNumber();
        var id = await StartCallAsync(domain, person);
        var sid = (await system.RequestWhenAsync(id, r => r.Str("status") == "completed" && r.Str("answered_by") != "", "the call to end", domain.Key)).Str("twilio_sid");
        var stranger = await system.NewAccountAsync();
        var form = new Dictionary<string, string> { ["CallSid"] = sid, ["AccountSid"] = stranger.Sid, ["AnsweredBy"] = "fax" };

        using var http = system.Ingress.CreateHttpClient();
        var path = $"/twilio/amd?channel=phone&domain={domain.Name}&request_id={id:D}";
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, await Status.TwilioCallbacks.PostCallbackAsync(system, http, path, form, stranger.Token));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, await Status.TwilioCallbacks.PostCallbackAsync(system, http, path, form, signedWith: null));
        Assert.Equal("human", (await system.RequestWhenAsync(id, _ => true, "the request", domain.Key)).Str("answered_by"));
    }

    private async Task<Guid> StartCallAsync(CampaignTestKit.TestDomain domain, string to) =>
        await (await system.StartAsync(Api.StartBody(to, "phone", "informational", "Remind them of tomorrow's appointment", domain.Name), domain.Key))
            .AcceptedRequestIdAsync();
}
