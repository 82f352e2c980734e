using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

public sealed class FailureTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>
{
    private Task<MessageResource> SendAsync(string to) => MessageResource.CreateAsync(
        to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business), body: "hi", client: emulator.Twilio());

    [Fact]
    public async Task Rate_limit_fails_the_given_number_of_times_then_lets_requests_through()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(to, "Messages", 429, 20429, "Too Many Requests", Times: 2));

        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<ApiException>(() => SendAsync(to));
            Assert.Equal(429, error.Status);
            Assert.Equal(20429, error.Code);
        }
        await SendAsync(to);

        var recorded = await emulator.Admin.GetRequestsAsync(to);
        Assert.Equal([429, 429, 201], recorded.Select(r => r.StatusCode));
        Assert.Equal([20429, 20429, (int?)null], recorded.Select(r => r.ErrorCode));
        Assert.Null(recorded[0].CreatedSid);
        Assert.NotNull(recorded[2].CreatedSid);
    }

    [Theory]
    [InlineData(400, 21610, "Attempt to send to unsubscribed recipient")]
    [InlineData(400, 63016, "Failed to send freeform message because you are outside the allowed window.")]
    [InlineData(500, 20500, "Internal Server Error")]
    [InlineData(400, 21211, "The 'To' number is not a valid phone number.")]
    public async Task Scripted_errors_come_back_with_twilios_body(int status, int code, string message)
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(to, null, status, code, message));

        var error = await Assert.ThrowsAsync<ApiException>(() => SendAsync(to));
        Assert.Equal(status, error.Status);
        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal($"https://www.twilio.com/docs/errors/{code}", error.MoreInfo);
        // Without Times the rule stays.
        await Assert.ThrowsAsync<ApiException>(() => SendAsync(to));
    }

    [Fact]
    public async Task Rules_match_only_their_resource_and_clearing_removes_them()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(to, "Calls", 500, 20500));
        await SendAsync(to); // Messages are not affected.

        var error = await Assert.ThrowsAsync<ApiException>(() => CallResource.CreateAsync(to: new PhoneNumber(to),
            from: new PhoneNumber(Numbers.Business), twiml: new Twiml("<Response/>"), client: emulator.Twilio()));
        Assert.Equal(20500, error.Code);

        Assert.Contains(await emulator.Admin.GetFailuresAsync(), r => r.To == to);
        await emulator.Admin.ClearFailuresAsync();
        Assert.Empty(await emulator.Admin.GetFailuresAsync());
        await CallResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business),
            twiml: new Twiml("<Response/>"), client: emulator.Twilio());
    }

    [Fact]
    public async Task A_pure_delay_slows_the_request_but_it_succeeds()
    {
        const int delayMs = 1500;
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(to, "Messages", Status: null, Code: null, Times: 1, DelayMs: delayMs));
        var slowed = System.Diagnostics.Stopwatch.StartNew();
        var message = await SendAsync(to);
        slowed.Stop();
        var unslowed = System.Diagnostics.Stopwatch.StartNew();
        await SendAsync(to); // Times: 1, so the rule is spent
        unslowed.Stop();

        // Only a lower bound: the delay guarantees at least that long, however slow the machine; nothing caps the time taken.
        Assert.True(slowed.ElapsedMilliseconds >= delayMs, $"the delayed send took {slowed.ElapsedMilliseconds} ms, less than the {delayMs} ms delay");
        var recorded = await emulator.Admin.GetRequestsAsync(to);
        Assert.Equal([201, 201], recorded.Select(r => r.StatusCode));
        Assert.Equal(message.Sid, recorded[0].CreatedSid);
        Assert.True(unslowed.ElapsedMilliseconds < slowed.ElapsedMilliseconds, "the spent rule still delays");
    }
}
