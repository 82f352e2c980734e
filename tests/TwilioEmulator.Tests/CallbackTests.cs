using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Tests.Support;
using Aventora.TwilioEmulator.Wire;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Security;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

public sealed class CallbackTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>, IAsyncLifetime
{
    private FakeApplication _app = null!;

    public async Task InitializeAsync() => _app = await FakeApplication.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Sms_status_callbacks_report_sent_then_delivered_signed_like_twilio()
    {
        var to = Numbers.Person();
        var message = await MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business),
            body: "hi", statusCallback: new Uri(_app.Url("sms/status?attempt=1")), client: emulator.Twilio());

        var callbacks = await _app.WaitForAsync("sms/status", r => r.Count >= 2);
        Assert.Equal(["sent", "delivered"], callbacks.Select(c => c.Values["MessageStatus"]));
        foreach (var callback in callbacks)
        {
            Assert.Equal(message.Sid, callback.Values["MessageSid"]);
            Assert.Equal(message.Sid, callback.Values["SmsSid"]);
            Assert.Equal(callback.Values["MessageStatus"], callback.Values["SmsStatus"]);
            Assert.Equal(RunningEmulator.AccountSid, callback.Values["AccountSid"]);
            Assert.Equal(to, callback.Values["To"]);
            Assert.Equal(Numbers.Business, callback.Values["From"]);
            Assert.Equal("2010-04-01", callback.Values["ApiVersion"]);
            Assert.Equal(TwilioSignature.Compute(RunningEmulator.AuthToken, callback.Url, callback.Form), callback.Signature);
        }

        var final = await emulator.Admin.WaitForMessageStatusAsync(message.Sid, ["delivered"]);
        Assert.Equal(["queued", "sent", "delivered"], final.StatusHistory);
        var fetched = await MessageResource.FetchAsync(message.Sid, client: emulator.Twilio());
        Assert.Equal(MessageResource.StatusEnum.Delivered, fetched.Status);
    }

    [Fact]
    public async Task Twilio_sdks_own_request_validator_accepts_the_signature()
    {
        var to = "whatsapp:" + Numbers.Person();
        await MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber("whatsapp:" + Numbers.Business),
            body: "hola", statusCallback: new Uri(_app.Url("wa/status")), client: emulator.Twilio());

        var callbacks = await _app.WaitForAsync("wa/status", r => r.Count >= 3);
        Assert.Equal(["sent", "delivered", "read"], callbacks.Select(c => c.Values["MessageStatus"]));
        var validator = new RequestValidator(RunningEmulator.AuthToken);
        Assert.All(callbacks, c => Assert.True(validator.Validate(c.Url, c.Values.ToDictionary(), c.Signature)));
        Assert.False(new RequestValidator("another-token").Validate(callbacks[0].Url, callbacks[0].Values.ToDictionary(), callbacks[0].Signature));
    }

    [Fact]
    public async Task Scripted_delivery_failure_reports_undelivered_with_its_error_code()
    {
        var to = Numbers.Person();
        await emulator.Admin.SetDeliveryOutcomeAsync(to, "undelivered", 30006);
        var message = await MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business),
            body: "hi", statusCallback: new Uri(_app.Url("fail/status")), client: emulator.Twilio());

        var callbacks = await _app.WaitForAsync("fail/status", r => r.Count >= 2);
        Assert.Equal(["sent", "undelivered"], callbacks.Select(c => c.Values["MessageStatus"]));
        Assert.Equal("30006", callbacks[1].Values["ErrorCode"]);
        var fetched = await MessageResource.FetchAsync(message.Sid, client: emulator.Twilio());
        Assert.Equal(30006, fetched.ErrorCode);
        Assert.Equal(MessageResource.StatusEnum.Undelivered, fetched.Status);
    }

    [Fact]
    public async Task A_person_texting_in_reaches_the_webhook_signed_and_its_answer_comes_back()
    {
        _app.Serve("sms/webhook", _ => (200, "<Response><Message>Thanks</Message></Response>"));
        var person = Numbers.Person();

        var result = await emulator.Admin.SendInboundMessageAsync(new InboundMessage(
            _app.Url("sms/webhook"), RunningEmulator.AccountSid, person, Numbers.Business, "YES", "whatsapp", "Ana"));

        Assert.Equal(200, result.Status);
        Assert.Contains("Thanks", result.Body);
        var received = Assert.Single(_app.At("sms/webhook"));
        Assert.Equal("whatsapp:" + person, received.Values["From"]);
        Assert.Equal("whatsapp:" + Numbers.Business, received.Values["To"]);
        Assert.Equal("YES", received.Values["Body"]);
        Assert.Equal("received", received.Values["SmsStatus"]);
        Assert.Equal("0", received.Values["NumMedia"]);
        Assert.Equal("Ana", received.Values["ProfileName"]);
        Assert.Equal(person.TrimStart('+'), received.Values["WaId"]);
        Assert.Equal(result.MessageSid, received.Values["MessageSid"]);
        Assert.Matches("^SM[0-9a-f]{32}$", received.Values["SmsMessageSid"]);
        Assert.True(new RequestValidator(RunningEmulator.AuthToken).Validate(_app.Url("sms/webhook"), received.Values.ToDictionary(), received.Signature));
    }

    [Fact]
    public void Signature_matches_the_twilio_sdk_for_arbitrary_parameters()
    {
        var form = new Dictionary<string, string>
        {
            ["To"] = "+18005551212", ["From"] = "+12349013030", ["CallSid"] = "CA1234567890ABCDE", ["Body"] = "ñ & =?",
            ["b"] = "2", ["B"] = "1", ["Digits"] = "1234",
        };
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        var signature = TwilioSignature.Compute("12345", url, form);
        Assert.True(new RequestValidator("12345").Validate(url, form, signature));
        Assert.True(TwilioSignature.Verify("12345", url, form, signature));
    }
}
