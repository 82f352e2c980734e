using System.Net;
using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Outbound;

/// <summary>The foundation's flow: POST /start for sms, through the broker and the database, to Twilio (the emulator).</summary>
[Collection(SystemCollection.Name)]
public sealed class SmsFlowTests(SystemFixture system)
{
    [Fact]
    public async Task An_sms_request_reaches_Twilio_once_with_the_right_To_From_and_Body_and_the_row_holds_its_sid()
    {
        var to = SystemFixture.UniqueNumber();
        var response = await system.StartAsync(new
        {
            phone_number = to, channel = "sms", type = "informational", instruction = "Your dentist appointment is tomorrow at 10:00", name = "Jane",
        });
        var id = await response.AcceptedRequestIdAsync();
        Assert.Equal($"/requests/{id}", response.Headers.Location?.OriginalString);

        var request = await system.RequestWithSidAsync(id);
        Assert.Contains(request.Str("status"), new[] { "queued", "sent", "delivered" }); // status callbacks move it on

        var sent = Assert.Single(await system.Emulator.GetRequestsAsync(to));
        Assert.Equal("Messages", sent.Resource);
        Assert.Equal(system.EnvironmentAccount.Sid, sent.AccountSid);
        Assert.Equal(to, sent.Form["To"]);
        Assert.Equal(SystemFixture.EnvironmentSmsNumber, sent.Form["From"]);
        Assert.Contains("Your dentist appointment is tomorrow at 10:00", sent.Form["Body"]);
        Assert.Contains("Jane", sent.Form["Body"]);
        Assert.Equal(sent.CreatedSid, request.Str("twilio_sid"));

        await using var db = await system.Database.OpenConnectionAsync();
        var row = await db.QuerySingleAsync<(string Channel, string PhoneNumber, string TwilioSid, string Source)>(
            "SELECT channel, phone_number, twilio_sid, source FROM call_logs WHERE id = @id", new { id });
        Assert.Equal(("sms", to, sent.CreatedSid!, "api"), row);
    }

    [Fact]
    public async Task The_same_OutboundRequested_delivered_twice_sends_one_sms()
    {
        var to = SystemFixture.UniqueNumber();
        var message = new OutboundRequested
        {
            RequestId = Guid.NewGuid(), Channel = Channels.Sms, PhoneNumber = to, Type = "informational",
            Instruction = "Delivered twice", Source = RequestSources.Api, RequestedAt = DateTimeOffset.UtcNow,
        };
        using var dispatched = Consumed<OutboundRequested>.On(system.Dispatcher, c => c.Message.RequestId == message.RequestId);
        var bus = system.Ingress.Services.GetRequiredService<IBus>();
        await bus.Publish(message);
        await system.RequestWithSidAsync(message.RequestId);
        await bus.Publish(message);

        // Both deliveries handled by the dispatcher; the second sent nothing and left one row.
        await dispatched.TimesAsync(2);
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM call_logs WHERE phone_number = @to", new { to }));
    }

    [Fact]
    public async Task The_same_SendMessage_delivered_twice_sends_one_sms()
    {
        var to = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Once only" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id);

        var duplicate = NewId.NextGuid();
        using var sends = Consumed<SendMessage>.On(system.Messaging, c => c.MessageId == duplicate);
        var bus = system.Ingress.Services.GetRequiredService<IBus>();
        await bus.Publish(new SendMessage { RequestId = id, Channel = Channels.Sms, PhoneNumber = to, Type = "informational", Instruction = "Once only" },
            c => c.MessageId = duplicate);
        await sends.TimesAsync(1);
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task A_transient_Twilio_failure_is_retried_and_the_sms_is_sent_once()
    {
        var to = SystemFixture.UniqueNumber();
        await system.Emulator.AddFailureAsync(new FailureRule(To: to, Status: 429, Code: 20429, Message: "Too Many Requests", Times: 2));
        var id = await (await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "After a 429" }))
            .AcceptedRequestIdAsync();

        var request = await system.RequestWithSidAsync(id);
        Assert.Contains(request.Str("status"), new[] { "queued", "sent", "delivered" }); // status callbacks move it on
        var attempts = await system.Emulator.GetRequestsAsync(to);
        Assert.Equal([429, 429, 201], attempts.Select(a => a.StatusCode).ToArray());
    }

    [Fact]
    public async Task A_permanent_Twilio_failure_fails_once_with_its_reason()
    {
        var to = SystemFixture.UniqueNumber();
        await system.Emulator.AddFailureAsync(new FailureRule(To: to, Status: 400, Code: 21211, Message: $"The 'To' number {to} is not a valid phone number."));
        var id = await (await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Never arrives" }))
            .AcceptedRequestIdAsync();

        var request = await system.RequestFailedAsync(id);
        Assert.Equal("twilio_21211", request.Str("error_code"));
        Assert.Contains("not a valid phone number", request.Str("error_message"));
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { """{"phone_number":"+14155552671","channel":"fax","type":"informational","instruction":"x"}""", "channel" },
        { """{"channel":"sms","type":"informational","instruction":"x"}""", "phone_number" },
        { """{"phone_number":"555-1234","channel":"sms","type":"informational","instruction":"x"}""", "phone_number" },
        { """{"phone_number":"+14155552671","channel":"sms","instruction":"x"}""", "type" },
        { """{"phone_number":"+14155552671","channel":"sms","type":"informational"}""", "instruction" },
        { """{"phone_number":"+14155552671","channel":"sms","type":"informational","instruction":"x","email":"nope"}""", "email" },
        { """{"phone_number":"+14155552671","channel":"wvoice","type":"informational","instruction":"x"}""", "domain_name" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_a_400_naming_the_field_and_nothing_is_published(string json, string field)
    {
        var marker = SystemFixture.UniqueNumber();
        json = json.Replace("+14155552671", marker);
        using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
        var response = await http.PostAsync("/start", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.NotNull(problem["errors"]?[field]);
        if (field == "channel")
            foreach (var channel in Channels.ValidChannels) Assert.Contains(channel, problem["errors"]![field]!.ToJsonString());

        // A good request published after the bad one is processed; the bad one left no trace.
        var good = await (await system.StartAsync(new { phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "t", instruction = "after" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(good);
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM call_logs WHERE phone_number = @marker", new { marker }));
        Assert.Empty(await system.Emulator.GetRequestsAsync(marker));
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_a_400()
    {
        using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
        var response = await http.PostAsync("/start", new StringContent("phone_number=+1", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_request_id_is_404()
    {
        using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/requests/{Guid.NewGuid()}")).StatusCode);
    }
}
