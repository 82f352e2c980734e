using System.Net.Http.Json;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

/// <summary>after_create rules: the message or call exists and lives on, only the client's answer is lost or failed.</summary>
public sealed class AnswerFaultTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>, IAsyncLifetime
{
    private FakeApplication _app = null!;

    public async Task InitializeAsync() => _app = await FakeApplication.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<MessageResource> SendAsync(string to, TimeSpan? timeout = null, string? callbackPath = null) =>
        MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business), body: "hi",
            statusCallback: callbackPath is null ? null : new Uri(_app.Url(callbackPath)), client: emulator.Twilio(timeout: timeout));

    [Fact]
    public async Task Drop_aborts_the_answer_but_the_message_is_created_delivered_and_reported()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(To: to, Resource: "Messages", AfterCreate: "drop", Times: 1));

        await Assert.ThrowsAsync<ApiConnectionException>(() => SendAsync(to, callbackPath: "status/dropped"));

        var message = Assert.Single(await emulator.Admin.GetMessagesAsync(to));
        Assert.Equal("drop", message.AnswerFault);
        Assert.Equal(_app.Url("status/dropped"), message.StatusCallback);
        await emulator.Admin.WaitForMessageStatusAsync(message.Sid, ["delivered"]);
        var callbacks = await _app.WaitForAsync("status/dropped", r => r.Any(w => w.Values["MessageStatus"] == "delivered"));
        Assert.All(callbacks, c => Assert.Equal(message.Sid, c.Values["MessageSid"]));

        var request = Assert.Single(await emulator.Admin.GetRequestsAsync(to));
        Assert.Equal(0, request.StatusCode);
        Assert.Equal("drop", request.AnswerFault);
        Assert.Equal(message.Sid, request.CreatedSid);

        // Times: 1 used up: the next one is answered normally.
        var next = await SendAsync(to);
        Assert.Null((await emulator.Admin.GetMessageAsync(next.Sid))!.AnswerFault);
    }

    [Fact]
    public async Task A_500_after_create_reaches_the_sdk_as_20500_and_the_message_exists()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(To: to, AfterCreate: "500"));

        var error = await Assert.ThrowsAsync<ApiException>(() => SendAsync(to));
        Assert.Equal(500, error.Status);
        Assert.Equal(20500, error.Code);

        var message = Assert.Single(await emulator.Admin.GetMessagesAsync(to));
        Assert.Equal("500", message.AnswerFault);
        await emulator.Admin.WaitForMessageStatusAsync(message.Sid, ["delivered"]);
        var request = Assert.Single(await emulator.Admin.GetRequestsAsync(to));
        Assert.Equal((500, 20500, "500"), (request.StatusCode, request.ErrorCode, request.AnswerFault));
    }

    [Fact]
    public async Task Timeout_holds_the_answer_past_the_clients_patience_and_the_message_exists()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(To: to, AfterCreate: "timeout", DelayMs: 60_000));

        await Assert.ThrowsAsync<ApiConnectionException>(() => SendAsync(to, timeout: TimeSpan.FromMilliseconds(500)));

        var message = Assert.Single(await emulator.Admin.GetMessagesAsync(to));
        Assert.Equal("timeout", message.AnswerFault);
        await emulator.Admin.WaitForMessageStatusAsync(message.Sid, ["delivered"]);
        // A reconciler finds it through Twilio's own list read.
        var listed = await MessageResource.ReadAsync(new ReadMessageOptions { To = new PhoneNumber(to) }, emulator.Twilio());
        Assert.Equal(message.Sid, Assert.Single(listed).Sid);
    }

    [Fact]
    public async Task Calls_are_created_and_walked_even_when_the_answer_is_dropped()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(To: to, Resource: "Calls", AfterCreate: "drop"));

        await Assert.ThrowsAsync<ApiConnectionException>(() => CallResource.CreateAsync(to: new PhoneNumber(to),
            from: new PhoneNumber(Numbers.Business), twiml: new Twiml("<Response><Say>Hello</Say></Response>"),
            client: emulator.Twilio()));

        var call = Assert.Single(await emulator.Admin.GetCallsAsync(to));
        Assert.Equal("drop", call.AnswerFault);
        var ended = await emulator.Admin.WaitForCallEndAsync(call.Sid);
        Assert.Equal("completed", ended.Status);
        Assert.Equal(["Hello"], ended.Says);
    }

    [Fact]
    public async Task Every_nth_faults_exactly_those_creations_and_leaves_reads_alone()
    {
        var to = Numbers.Person();
        await emulator.Admin.AddFailureAsync(new FailureRule(To: to, AfterCreate: "500", EveryNth: 3));

        var outcomes = new List<bool>();
        for (var i = 0; i < 9; i++)
        {
            try
            {
                await SendAsync(to);
                outcomes.Add(true);
            }
            catch (ApiException e) when (e.Code == 20500)
            {
                outcomes.Add(false);
            }
        }

        Assert.Equal([true, true, false, true, true, false, true, true, false], outcomes);
        var messages = await emulator.Admin.GetMessagesAsync(to);
        Assert.Equal(9, messages.Count);
        Assert.Equal([2, 5, 8], messages.Select((m, i) => (m, i)).Where(x => x.m.AnswerFault == "500").Select(x => x.i));
        // after_create rules only meet creations: list reads for the same number go through.
        Assert.Equal(9, (await MessageResource.ReadAsync(new ReadMessageOptions { To = new PhoneNumber(to) }, emulator.Twilio())).Count());
    }

    [Fact]
    public async Task Probability_with_a_seed_picks_the_same_requests_every_run()
    {
        async Task<List<bool>> RunAsync(string to)
        {
            await emulator.Admin.AddFailureAsync(new FailureRule(To: to, AfterCreate: "500", Probability: 0.3, Seed: 42));
            var answered = new List<bool>();
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    await SendAsync(to);
                    answered.Add(true);
                }
                catch (ApiException)
                {
                    answered.Add(false);
                }
            }
            return answered;
        }

        var first = await RunAsync(Numbers.Person());
        var second = await RunAsync(Numbers.Person());
        Assert.Equal(first, second);
        Assert.Contains(false, first);
        Assert.Contains(true, first);
    }

    [Fact]
    public async Task Invalid_rules_are_refused_with_a_reason()
    {
        var response = await emulator.Http.PostAsJsonAsync("_emulator/failures", new { to = Numbers.Person(), after_create = "explode" });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("after_create", await response.Content.ReadAsStringAsync());

        var both = await emulator.Http.PostAsJsonAsync("_emulator/failures", new { every_nth = 2, probability = 0.5 });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, both.StatusCode);
    }
}
