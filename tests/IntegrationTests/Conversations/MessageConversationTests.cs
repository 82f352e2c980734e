using System.Net.Http.Json;
using System.Net;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;
using MassTransit;

namespace Aventora.IntegrationTests.Conversations;

/// <summary>A person who gets an Aventora message can answer and be answered; STOP, START and HELP work; WhatsApp's window holds.</summary>
[Collection(SystemCollection.Name)]
public sealed class MessageConversationTests(SystemFixture system)
{
    [Fact]
    public async Task An_sms_conversation_of_several_turns_is_answered_and_transcribed()
    {
        var domain = await ConversationDomain.CreateAsync(system, "smsconv");
        var person = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(Api.StartBody(person, "sms", "appointment_booking", "Book your annual check-up", domain.Name, "Lee"), domain.Key))
            .AcceptedRequestIdAsync();
        await system.MessagesToAsync(person, 1);

        var webhook = await domain.PersonWritesAsync(system, person, "what is this?");
        Assert.Equal(200, webhook.Status);
        Assert.Contains("<Response", webhook.Body);
        var afterFirst = await system.MessagesToAsync(person, 2);
        Assert.Contains("did not understand", afterFirst[1]);

        await domain.PersonWritesAsync(system, person, "Yes");
        var all = await system.MessagesToAsync(person, 3);
        Assert.Contains("confirmed", all[2]);
        Assert.All(await system.Emulator.GetMessagesAsync(person), m => Assert.Equal(domain.SmsNumber, m.From));

        var request = await system.RequestWhenAsync(id, r => r["transcript"]!.AsArray().Count == 5, "a transcript of five turns", domain.Key);
        var turns = request["transcript"]!.AsArray().Select(t => (t!["speaker"]!.GetValue<string>(), t["text"]!.GetValue<string>())).ToList();
        Assert.Equal(["assistant", "person", "assistant", "person", "assistant"], turns.Select(t => t.Item1).ToArray());
        Assert.Equal("what is this?", turns[1].Item2);
        Assert.Equal(all, turns.Where(t => t.Item1 == "assistant").Select(t => t.Item2).ToList());
    }

    [Fact]
    public async Task A_whatsapp_conversation_needs_a_template_first_and_free_text_once_the_person_wrote()
    {
        var domain = await ConversationDomain.CreateAsync(system, "waconv");
        var person = SystemFixture.UniqueNumber();

        var freeText = await (await system.StartAsync(new { phone_number = person, channel = "wmsg", type = "informational", instruction = "Your order shipped", domain_name = domain.Name }, domain.Key))
            .AcceptedRequestIdAsync();
        var refused = await system.RequestFailedAsync(freeText);
        Assert.Equal("whatsapp_window_closed", refused.Str("error_code"));
        Assert.Contains("content template", refused.Str("error_message"));
        Assert.Empty(await system.Emulator.GetRequestsAsync(person));

        var template = await (await system.StartAsync(Api.StartBody(person, "wmsg", "informational", "Your order shipped", domain.Name, "Kim"), domain.Key))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(template, domain.Key);
        var sent = Assert.Single(await system.Emulator.GetMessagesAsync(person));
        Assert.Equal(Api.TemplateSid, sent.ContentSid);
        Assert.Equal($"whatsapp:{person}", sent.To);

        await domain.PersonWritesAsync(system, person, "Where is it now?", channel: "whatsapp");
        var replies = await system.MessagesToAsync(person, 2);
        Assert.False(string.IsNullOrWhiteSpace(replies[1]));

        // Within the window now: free text goes.
        var later = await (await system.StartAsync(new { phone_number = person, channel = "wmsg", type = "informational", instruction = "It arrives today", domain_name = domain.Name }, domain.Key))
            .AcceptedRequestIdAsync();
        Assert.NotEqual("failed", (await system.RequestWithSidAsync(later, domain.Key)).Str("status"));
        Assert.Contains("It arrives today", (await system.MessagesToAsync(person, 3))[2]);
    }

    [Fact]
    public async Task Twilios_63016_is_reported_as_the_closed_window()
    {
        var domain = await ConversationDomain.CreateAsync(system, "wa63016");
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.AddFailureAsync(new FailureRule(To: person, Status: 400, Code: 63016, Message: "Failed to send freeform message because you are outside the allowed window."));
        var id = await (await system.StartAsync(Api.StartBody(person, "wmsg", "informational", "Template, but Twilio says no", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        Assert.Equal("whatsapp_window_closed", (await system.RequestFailedAsync(id)).Str("error_code"));
    }

    [Fact]
    public async Task Stop_refuses_new_requests_until_start()
    {
        var domain = await ConversationDomain.CreateAsync(system, "stop");
        var person = SystemFixture.UniqueNumber();
        await system.RequestWithSidAsync(await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "First", domain.Name), domain.Key)).AcceptedRequestIdAsync(), domain.Key);

        await domain.PersonWritesAsync(system, person, "STOP");
        await Eventually.Get(() => OptedOutAsync(domain.Name, person), o => o, "STOP to be recorded");
        var refused = await DecidedAsync(
            await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "After stop", domain.Name), domain.Key)).AcceptedRequestIdAsync(), domain.Key);
        Assert.Equal("opted_out", refused.Str("status"));
        Assert.Contains("opted out", refused.Str("error_message"));
        Assert.DoesNotContain(await system.Emulator.GetMessagesAsync(person), m => m.Body?.Contains("After stop") == true);

        await domain.PersonWritesAsync(system, person, "START");
        await Eventually.Get(() => OptedOutAsync(domain.Name, person), o => !o, "START to be recorded");
        var accepted = await system.RequestWithSidAsync(
            await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "After start", domain.Name), domain.Key)).AcceptedRequestIdAsync(), domain.Key);
        Assert.Contains(accepted.Str("status"), new[] { "queued", "sent", "delivered" });
        Assert.Contains(await system.Emulator.GetMessagesAsync(person), m => m.Body?.Contains("After start") == true);
    }

    /// <summary>Until the request was refused (it carries an error code) or reached Twilio: which of the two is for the test to say.</summary>
    private Task<JsonObject> DecidedAsync(Guid id, string key) =>
        system.RequestWhenAsync(id, r => r["error_code"] is not null || r["twilio_sid"] is not null, $"request {id} to be refused or sent", key);

    private async Task<Guid> InboundRequestIdAsync(string domain, string person)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<Guid>(db,
            "SELECT id FROM call_logs WHERE domain_name = @domain AND phone_number = @person AND source = 'inbound'", new { domain, person });
    }

    private async Task<bool> OptedOutAsync(string domain, string number)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<bool>(db,
            "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE domain_name = @domain AND phone_number = @number)", new { domain, number });
    }

    [Fact]
    public async Task A_reply_the_domain_cannot_pay_for_is_not_sent_and_the_balance_never_goes_below_zero()
    {
        var domain = await ConversationDomain.CreateAsync(system, "poorconv", credits: 3); // the opening message's price, no more
        var person = SystemFixture.UniqueNumber();
        await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "Your parcel arrives today", domain.Name), domain.Key))
            .AcceptedRequestIdAsync();
        await system.MessagesToAsync(person, 1);
        await Billing.BillingFixtureExtensions.SettledBalanceAsync(system, domain.Name, 0);

        using (var handled = Consumed<Aventora.Contracts.Messaging.InboundMessageReceived>.On(system.Messaging, c => c.Message.From == person))
        {
            await domain.PersonWritesAsync(system, person, "help");
            await handled.TimesAsync(1);
        }
        Assert.Single(await system.Emulator.GetMessagesAsync(person)); // no reply: it could not be paid for
        var balance = await Billing.BillingFixtureExtensions.BalanceAsync(system, domain.Name);
        Assert.Equal((0L, 0L), (balance["balance"]!.GetValue<long>(), balance["reserved"]!.GetValue<long>()));

        // Once the domain can pay, the next message is answered, its price held first and settled by the reply.
        Assert.True((await system.Admin.PostAsJsonAsync($"/admin/domains/{domain.Name}/credits", new { credits = 3, reason = "top-up" })).IsSuccessStatusCode);
        await domain.PersonWritesAsync(system, person, "help");
        await system.MessagesToAsync(person, 2);
        await Billing.BillingFixtureExtensions.SettledBalanceAsync(system, domain.Name, 0);
        var ledger = await Billing.BillingFixtureExtensions.LedgerAsync(system, domain.Name);
        Assert.Single(ledger, e => e!["type"]?.GetValue<string>() == "reply" && e["credits"]!.GetValue<int>() == -3);
    }

    [Fact]
    public async Task Help_gets_a_help_reply()
    {
        var domain = await ConversationDomain.CreateAsync(system, "help");
        var person = SystemFixture.UniqueNumber();
        await domain.PersonWritesAsync(system, person, "help");
        Assert.Contains("STOP", (await system.MessagesToAsync(person, 1))[0]);
    }

    [Fact]
    public async Task Twilios_21610_marks_the_number_opted_out()
    {
        var domain = await ConversationDomain.CreateAsync(system, "unsub");
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.AddFailureAsync(new FailureRule(To: person, Status: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient", Times: 1));
        var first = await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "Unsubscribed?", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        Assert.Equal("opted_out", (await DecidedAsync(first, domain.Key)).Str("status"));

        var second = await (await system.StartAsync(Api.StartBody(person, "sms", "informational", "Again", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        Assert.Equal("opted_out", (await DecidedAsync(second, domain.Key)).Str("status"));
        Assert.Single(await system.Emulator.GetRequestsAsync(person)); // only the first attempt reached Twilio
    }

    [Fact]
    public async Task A_forged_signature_is_refused_and_nothing_is_answered()
    {
        var domain = await ConversationDomain.CreateAsync(system, "forged");
        var person = SystemFixture.UniqueNumber();
        using var http = new HttpClient();
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["AccountSid"] = domain.AccountSid, ["From"] = person, ["To"] = domain.SmsNumber, ["Body"] = "hello",
        };
        foreach (var signature in new[] { null, "bm90IGEgc2lnbmF0dXJl" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{system.Settings["Ingress:PublicBaseUrl"]}/sms/webhook") { Content = new FormUrlEncodedContent(form) };
            if (signature is not null) request.Headers.Add("X-Twilio-Signature", signature);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
        }
        // A genuine message from the same person afterwards is the only one answered.
        await domain.PersonWritesAsync(system, person, "help");
        await system.MessagesToAsync(person, 1);
        Assert.Single(await system.Emulator.GetMessagesAsync(person));
    }

    [Fact]
    public async Task A_redelivered_inbound_message_is_answered_once()
    {
        var domain = await ConversationDomain.CreateAsync(system, "redeliver");
        var person = SystemFixture.UniqueNumber();
        var messageSid = (await domain.PersonWritesAsync(system, person, "help")).MessageSid!;
        await system.MessagesToAsync(person, 1);

        var redelivery = MassTransit.NewId.NextGuid();
        using var handled = Consumed<Aventora.Contracts.Messaging.InboundMessageReceived>.On(system.Messaging, c => c.MessageId == redelivery);
        var bus = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<MassTransit.IBus>(system.Ingress.Services);
        await bus.Publish(new Aventora.Contracts.Messaging.InboundMessageReceived
        {
            MessageSid = messageSid, AccountSid = domain.AccountSid, Channel = "sms", From = person, To = domain.SmsNumber,
            Body = "help", DomainName = domain.Name, ReceivedAt = DateTimeOffset.UtcNow,
        }, c => c.MessageId = redelivery);
        await handled.TimesAsync(1);
        Assert.Single(await system.Emulator.GetMessagesAsync(person));
        var request = await system.RequestWhenAsync(await InboundRequestIdAsync(domain.Name, person), _ => true, "the conversation", domain.Key);
        Assert.Equal(["person", "assistant"], request["transcript"]!.AsArray().Select(t => t!["speaker"]!.GetValue<string>()).ToArray());
    }
}
