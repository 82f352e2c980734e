using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

/// <summary>Own emulator: clearing everything must not disturb other test classes.</summary>
public sealed class InspectionTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>, IAsyncLifetime
{
    private FakeApplication _app = null!;

    public async Task InitializeAsync() => _app = await FakeApplication.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Redirects_are_followed_and_a_looping_application_is_cut_off()
    {
        _app.ServeTwiml("loop/start", "<Response><Say>Once</Say><Redirect>again</Redirect></Response>");
        _app.ServeTwiml("loop/again", "<Response><Say>Again</Say><Redirect method=\"GET\">/loop/again</Redirect></Response>");

        var created = await CallResource.CreateAsync(to: new PhoneNumber(Numbers.Person()), from: new PhoneNumber(Numbers.Business),
            url: new Uri(_app.Url("loop/start")), client: emulator.Twilio());

        var call = await emulator.Admin.WaitForCallEndAsync(created.Sid);
        Assert.Equal("completed", call.Status);
        Assert.Equal(20, call.TwimlUrls.Count);
        Assert.Contains(call.Conversation, s => s.Kind == "error");
        Assert.Contains(_app.At("loop/again"), r => r.Method == "GET");
    }

    [Fact]
    public async Task Deleting_requests_clears_recordings_messages_and_calls()
    {
        var to = Numbers.Person();
        await MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business), body: "x", client: emulator.Twilio());
        var call = await CallResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business),
            twiml: new Twiml("<Response><Say>x</Say></Response>"), client: emulator.Twilio());
        await emulator.Admin.WaitForCallEndAsync(call.Sid);
        Assert.Equal(2, (await emulator.Admin.GetRequestsAsync(to)).Count);
        Assert.Single(await emulator.Admin.GetMessagesAsync(to));
        Assert.Single(await emulator.Admin.GetCallsAsync(to));

        await emulator.Admin.ClearRequestsAsync();

        Assert.Empty(await emulator.Admin.GetRequestsAsync());
        Assert.Empty(await emulator.Admin.GetMessagesAsync());
        Assert.Empty(await emulator.Admin.GetCallsAsync());
        Assert.Null(await emulator.Admin.GetCallAsync(call.Sid));
    }
}
