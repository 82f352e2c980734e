using System.Net;
using Aventora.TwilioEmulator.Tests.Support;
using Aventora.TwilioEmulator.Wire;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

public sealed class CallTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>, IAsyncLifetime
{
    private FakeApplication _app = null!;

    public async Task InitializeAsync() => _app = await FakeApplication.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_WhatsApp_call_to_someone_who_has_not_granted_call_permission_is_refused_with_37000()
    {
        var person = Numbers.Person();
        await emulator.Admin.SetWhatsAppCallPermissionAsync(person, granted: false);
        var refused = await Assert.ThrowsAsync<ApiException>(() => CallResource.CreateAsync(
            to: new PhoneNumber("whatsapp:" + person), from: new PhoneNumber("whatsapp:" + Numbers.Business), url: new Uri(_app.Url("voice/start")),
            client: emulator.Twilio()));
        Assert.Equal(37000, refused.Code);
        Assert.Equal(400, refused.Status);
        Assert.Empty(await emulator.Admin.GetCallsAsync(person));

        // Once granted, the same call goes.
        _app.ServeTwiml("voice/start", "<Response><Say>Hello.</Say></Response>");
        await emulator.Admin.SetWhatsAppCallPermissionAsync(person, granted: true);
        var placed = await CallResource.CreateAsync(
            to: new PhoneNumber("whatsapp:" + person), from: new PhoneNumber("whatsapp:" + Numbers.Business), url: new Uri(_app.Url("voice/start")),
            client: emulator.Twilio());
        Assert.Matches("^CA[0-9a-f]{32}$", placed.Sid);
    }

    [Fact]
    public async Task Call_walks_a_two_turn_speech_conversation_and_reports_every_requested_event()
    {
        var person = Numbers.Person();
        _app.ServeTwiml("voice/start", """
            <Response>
              <Say>Hello, this is Aventora.</Say>
              <Gather input="speech" action="turn2?step=2" method="POST"><Say>Are you interested?</Say></Gather>
              <Say>We did not hear you.</Say>
            </Response>
            """);
        _app.Serve("voice/turn2", r => (200, $"""
            <Response>
              <Say>You said {r.Values["SpeechResult"]}.</Say>
              <Gather input="speech" action="/voice/turn3"><Say>Anything else?</Say></Gather>
            </Response>
            """));
        _app.ServeTwiml("voice/turn3", "<Response><Say>Goodbye.</Say><Hangup/><Say>never said</Say></Response>");
        await emulator.Admin.SetSpeechAsync(person, ["yes", "goodbye"]);

        var created = await CallResource.CreateAsync(
            to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business), url: new Uri(_app.Url("voice/start")),
            statusCallback: new Uri(_app.Url("voice/status")),
            statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
            client: emulator.Twilio());

        Assert.Matches("^CA[0-9a-f]{32}$", created.Sid);
        Assert.Equal(CallResource.StatusEnum.Queued, created.Status);
        Assert.Equal(person, created.To);
        Assert.Null(created.StartTime);
        Assert.Null(created.Duration);

        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal("completed", call.Status);
        Assert.Equal(["Hello, this is Aventora.", "Are you interested?", "You said yes.", "Anything else?", "Goodbye."], call.Says);
        Assert.Equal(["yes", "goodbye"], call.Answers);
        Assert.Equal(3, call.TwimlUrls.Count);
        Assert.True(call.Duration > 0);

        // The TwiML fetches carry the call and, after a Gather, what the person said, all signed.
        var turn2 = Assert.Single(_app.At("voice/turn2"));
        Assert.Equal("yes", turn2.Values["SpeechResult"]);
        Assert.Equal("in-progress", turn2.Values["CallStatus"]);
        Assert.Equal(created.Sid, turn2.Values["CallSid"]);
        Assert.EndsWith("/voice/turn2?step=2", turn2.Url);
        Assert.Equal("goodbye", Assert.Single(_app.At("voice/turn3")).Values["SpeechResult"]);
        foreach (var fetch in _app.Received.Where(r => r.Path != "/voice/status"))
            Assert.Equal(TwilioSignature.Compute(RunningEmulator.AuthToken, fetch.Url, fetch.Form), fetch.Signature);

        var statuses = await _app.WaitForAsync("voice/status", r => r.Count >= 4);
        Assert.Equal(["initiated", "ringing", "in-progress", "completed"], statuses.Select(s => s.Values["CallStatus"]));
        Assert.Equal(["0", "1", "2", "3"], statuses.Select(s => s.Values["SequenceNumber"]));
        Assert.Equal(call.Duration.ToString(), statuses[3].Values["CallDuration"]);
        Assert.All(statuses, s =>
        {
            Assert.Equal("outbound-api", s.Values["Direction"]);
            Assert.True(s.Values.ContainsKey("Timestamp"));
            Assert.Equal(TwilioSignature.Compute(RunningEmulator.AuthToken, s.Url, s.Form), s.Signature);
        });

        var fetched = await CallResource.FetchAsync(created.Sid, client: emulator.Twilio());
        Assert.Equal(CallResource.StatusEnum.Completed, fetched.Status);
        Assert.Equal(call.Duration.ToString(), fetched.Duration);
        Assert.NotNull(fetched.StartTime);
    }

    [Fact]
    public async Task Without_speech_the_gather_times_out_and_the_next_verb_runs_and_only_completed_is_reported()
    {
        var person = Numbers.Person();
        _app.ServeTwiml("quiet/start", """
            <Response><Gather input="speech" action="/never"><Say>Hello?</Say></Gather><Say>Sorry we missed you.</Say></Response>
            """);

        var created = await CallResource.CreateAsync(to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business),
            url: new Uri(_app.Url("quiet/start")), statusCallback: new Uri(_app.Url("quiet/status")), client: emulator.Twilio());

        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal(["Hello?", "Sorry we missed you."], call.Says);
        Assert.Contains(call.Conversation, s => s.Kind == "timeout");
        Assert.Empty(_app.At("never"));
        var status = Assert.Single(await _app.WaitForAsync("quiet/status", r => r.Count >= 1));
        Assert.Equal("completed", status.Values["CallStatus"]);
    }

    [Fact]
    public async Task Inline_twiml_is_walked_without_fetching()
    {
        var created = await CallResource.CreateAsync(to: new PhoneNumber(Numbers.Person()), from: new PhoneNumber(Numbers.Business),
            twiml: new Twilio.Types.Twiml("<Response><Say>Inline hello</Say></Response>"), client: emulator.Twilio());
        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal(["Inline hello"], call.Says);
        Assert.Equal("completed", call.Status);
    }

    [Fact]
    public async Task TwiML_that_does_not_parse_ends_the_call_with_12100_in_its_final_callback()
    {
        _app.ServeTwiml("broken/voice", "<Response><Say>Hello \u0001 there</Say></Response>");
        var created = await CallResource.CreateAsync(to: new PhoneNumber(Numbers.Person()), from: new PhoneNumber(Numbers.Business),
            url: new Uri(_app.Url("broken/voice")), statusCallback: new Uri(_app.Url("broken/status")), client: emulator.Twilio());

        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal("completed", call.Status);
        Assert.Equal(12100, call.ErrorCode);
        Assert.Empty(call.Says);
        var status = Assert.Single(await _app.WaitForAsync("broken/status", r => r.Count >= 1));
        Assert.Equal("completed", status.Values["CallStatus"]);
        Assert.Equal("12100", status.Values["ErrorCode"]);
        Assert.Equal("Document parse failure", status.Values["ErrorMessage"]);

        // The Call resource has no error field: the call's Notifications list is where the REST API tells it.
        var notification = Assert.Single(await Twilio.Rest.Api.V2010.Account.Call.NotificationResource.ReadAsync(
            new Twilio.Rest.Api.V2010.Account.Call.ReadNotificationOptions(created.Sid) { Log = 0 }, emulator.Twilio()));
        Assert.Equal(("12100", created.Sid), (notification.ErrorCode, notification.CallSid));
        Assert.Matches("^NO[0-9a-f]{32}$", notification.Sid);
        Assert.Contains("Document+parse+failure", notification.MessageText.Replace("%20", "+"));
        Assert.Equal(_app.Url("broken/voice"), notification.RequestUrl.ToString());
        Assert.Empty(await Twilio.Rest.Api.V2010.Account.Call.NotificationResource.ReadAsync(
            new Twilio.Rest.Api.V2010.Account.Call.ReadNotificationOptions(created.Sid) { Log = 1 }, emulator.Twilio()));
    }

    [Fact]
    public async Task Scripted_whatsapp_call_without_permission_fails_with_its_code()
    {
        var person = Numbers.Person();
        await emulator.Admin.SetCallOutcomeAsync(person, "failed", 37000, "WhatsApp Voice: Call permission not granted by consumer");
        var created = await CallResource.CreateAsync(to: new PhoneNumber("whatsapp:" + person), from: new PhoneNumber("whatsapp:" + Numbers.Business),
            url: new Uri(_app.Url("wa/voice")), statusCallback: new Uri(_app.Url("wa/status")), client: emulator.Twilio());

        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal("failed", call.Status);
        Assert.Equal(37000, call.ErrorCode);
        Assert.Empty(_app.At("wa/voice"));
        var status = Assert.Single(await _app.WaitForAsync("wa/status", r => r.Count >= 1));
        Assert.Equal("failed", status.Values["CallStatus"]);
        Assert.Equal("37000", status.Values["ErrorCode"]);
        Assert.Equal(CallResource.StatusEnum.Failed, (await CallResource.FetchAsync(created.Sid, client: emulator.Twilio())).Status);
    }

    [Fact]
    public async Task Busy_outcome_used_once_then_the_next_call_is_answered()
    {
        var person = Numbers.Person();
        _app.ServeTwiml("retry/voice", "<Response><Say>Finally</Say></Response>");
        await emulator.Admin.SetCallOutcomeAsync(person, "busy", times: 1);

        async Task<string> CallAsync() => (await emulator.Admin.WaitForCallEndAsync((await CallResource.CreateAsync(
            to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business), url: new Uri(_app.Url("retry/voice")),
            client: emulator.Twilio())).Sid)).Status;

        Assert.Equal("busy", await CallAsync());
        Assert.Equal("completed", await CallAsync());
    }

    [Fact]
    public async Task Call_validation_uses_twilios_codes()
    {
        var noInstructions = await Assert.ThrowsAsync<ApiException>(() => CallResource.CreateAsync(
            to: new PhoneNumber(Numbers.Person()), from: new PhoneNumber(Numbers.Business), client: emulator.Twilio()));
        Assert.Equal(21205, noInstructions.Code);

        var badTo = await Assert.ThrowsAsync<ApiException>(() => CallResource.CreateAsync(
            to: new PhoneNumber("+1"), from: new PhoneNumber(Numbers.Business), url: new Uri(_app.Url("x")), client: emulator.Twilio()));
        Assert.Equal(21211, badTo.Code);
        Assert.Equal(400, badTo.Status);

        var missing = await emulator.Http.GetAsync($"2010-04-01/Accounts/{RunningEmulator.AccountSid}/Calls/CA00000000000000000000000000000000.json");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode); // no credentials
        var notFound = await Assert.ThrowsAsync<ApiException>(() =>
            CallResource.FetchAsync("CA00000000000000000000000000000000", client: emulator.Twilio()));
        Assert.Equal(20404, notFound.Code);
    }

    [Fact]
    public async Task Synchronous_detection_tells_the_first_TwiML_request_who_answered_and_the_call_resource_keeps_it()
    {
        var person = Numbers.Person();
        await emulator.Admin.SetAnsweredByAsync(person, "machine_end_beep", times: 1);
        _app.ServeTwiml("amd-sync/voice", "<Response><Say>Hello</Say></Response>");

        var created = await CallResource.CreateAsync(new CreateCallOptions(new PhoneNumber(person), new PhoneNumber(Numbers.Business))
        {
            Url = new Uri(_app.Url("amd-sync/voice")), MachineDetection = "Enable",
        }, emulator.Twilio());
        await emulator.Admin.WaitForCallEndAsync(created.Sid);

        // Enable reports as soon as a machine is known: machine_start, not the end of its greeting.
        var fetch = Assert.Single(_app.At("amd-sync/voice"));
        Assert.Equal("machine_start", fetch.Values["AnsweredBy"]);
        Assert.True(int.Parse(fetch.Values["MachineDetectionDuration"]) > 0);
        var call = await CallResource.FetchAsync(created.Sid, client: emulator.Twilio());
        Assert.Equal("machine_start", call.AnsweredBy.ToString());
    }

    [Fact]
    public async Task Asynchronous_detection_reports_the_machine_and_the_voicemail_the_application_sends_is_what_it_records()
    {
        var person = Numbers.Person();
        await emulator.Admin.SetAnsweredByAsync(person, "machine_start", times: 1);
        _app.ServeTwiml("amd-async/voice", "<Response><Gather input=\"speech\"><Say>Hi, are you there?</Say></Gather></Response>");
        _app.ServeTwiml("amd-async/result", "");

        var created = await CallResource.CreateAsync(new CreateCallOptions(new PhoneNumber(person), new PhoneNumber(Numbers.Business))
        {
            Url = new Uri(_app.Url("amd-async/voice")), MachineDetection = "DetectMessageEnd", AsyncAmd = "true",
            AsyncAmdStatusCallback = new Uri(_app.Url("amd-async/result")),
        }, emulator.Twilio());

        // DetectMessageEnd waits for the greeting to end: the beep. The callback is signed like every Twilio webhook.
        var result = Assert.Single(await _app.WaitForAsync("amd-async/result", r => r.Count >= 1));
        Assert.Equal(("machine_end_beep", created.Sid), (result.Values["AnsweredBy"], result.Values["CallSid"]));
        Assert.NotNull(result.Signature);

        await CallResource.UpdateAsync(new UpdateCallOptions(created.Sid)
        {
            Twiml = new Twilio.Types.Twiml("<Response><Say>Please call us back.</Say><Hangup/></Response>"),
        }, emulator.Twilio());
        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal(["Please call us back."], call.Says);
        Assert.Equal(("completed", "machine_end_beep"), (call.Status, call.AnsweredBy));
        Assert.True(call.Duration > 0);

        // An ended call cannot be changed.
        var refused = await Assert.ThrowsAsync<Twilio.Exceptions.ApiException>(() => CallResource.UpdateAsync(
            new UpdateCallOptions(created.Sid) { Status = CallResource.UpdateStatusEnum.Completed }, emulator.Twilio()));
        Assert.Equal(21220, refused.Code);
    }

    [Fact]
    public async Task A_machine_hung_up_on_hears_nothing_and_a_human_gets_the_conversation()
    {
        var (machine, human) = (Numbers.Person(), Numbers.Person());
        await emulator.Admin.SetAnsweredByAsync(machine, "machine_start", times: 1);
        _app.ServeTwiml("amd-hangup/voice", "<Response><Say>Hello there.</Say></Response>");
        _app.ServeTwiml("amd-hangup/result", "");

        async Task<string> CallAsync(string to) => (await CallResource.CreateAsync(new CreateCallOptions(new PhoneNumber(to), new PhoneNumber(Numbers.Business))
        {
            Url = new Uri(_app.Url("amd-hangup/voice")), MachineDetection = "Enable", AsyncAmd = "true",
            AsyncAmdStatusCallback = new Uri(_app.Url("amd-hangup/result")),
        }, emulator.Twilio())).Sid;
        var machineCall = await CallAsync(machine);
        await _app.WaitForAsync("amd-hangup/result", r => r.Any(w => w.Values["CallSid"] == machineCall));
        await CallResource.UpdateAsync(new UpdateCallOptions(machineCall) { Status = CallResource.UpdateStatusEnum.Completed }, emulator.Twilio());
        var hungUp = await emulator.Admin.WaitForCallEndAsync(machineCall);
        Assert.Empty(hungUp.Says);
        Assert.Equal("machine_start", hungUp.AnsweredBy);

        var humanCall = await CallAsync(human);
        var talked = await emulator.Admin.WaitForCallEndAsync(humanCall);
        Assert.Equal(["Hello there."], talked.Says);
        Assert.Contains(await _app.WaitForAsync("amd-hangup/result", r => r.Any(w => w.Values["CallSid"] == humanCall)),
            w => w.Values["CallSid"] == humanCall && w.Values["AnsweredBy"] == "human");
    }

    [Fact]
    public async Task Detection_settings_Twilio_does_not_take_are_refused_with_21234()
    {
        foreach (var (name, value) in new[] { ("MachineDetection", "Maybe"), ("MachineDetectionTimeout", "60"), ("AsyncAmd", "yes") })
        {
            var options = new CreateCallOptions(new PhoneNumber(Numbers.Person()), new PhoneNumber(Numbers.Business)) { Url = new Uri(_app.Url("x")) };
            switch (name)
            {
                case "MachineDetection": options.MachineDetection = value; break;
                case "MachineDetectionTimeout": options.MachineDetection = "Enable"; options.MachineDetectionTimeout = int.Parse(value); break;
                default: options.MachineDetection = "Enable"; options.AsyncAmd = value; break;
            }
            var refused = await Assert.ThrowsAsync<Twilio.Exceptions.ApiException>(() => CallResource.CreateAsync(options, emulator.Twilio()));
            Assert.Equal((400, 21234), (refused.Status, refused.Code));
            Assert.Contains(name, refused.Message);
        }
    }
}
