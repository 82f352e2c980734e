using System.Net;
using System.Text.Json.Nodes;
using Aventora.Contracts.Messaging;
using Aventora.Contracts.Voice;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Status;

/// <summary>Twilio's status callbacks, from the emulator or forged, through Ingress.Api and the workers into call_logs.</summary>
[Collection(SystemCollection.Name)]
public sealed class StatusCallbackTests(SystemFixture system)
{
    [Fact]
    public async Task A_delivered_sms_shows_delivered()
    {
        var id = await StartAsync("sms", SystemFixture.UniqueNumber());
        // Waits on what Twilio last said (twilio_status); the request's own status is what is asserted.
        var request = await system.RequestWhenAsync(id, r => r.Str("twilio_status") == "delivered", "Twilio's delivered to reach the request");
        Assert.Equal("delivered", request.Str("status"));
        Assert.Null(request["error_code"]);
    }

    [Fact]
    public async Task An_undelivered_sms_shows_the_carriers_reason()
    {
        var to = SystemFixture.UniqueNumber();
        await system.Emulator.SetDeliveryOutcomeAsync(to, "undelivered", 30003);
        var id = await StartAsync("sms", to);
        var request = await system.RequestWhenAsync(id, r => r.Str("twilio_status") == "undelivered", "Twilio's undelivered to reach the request");
        Assert.Equal("undelivered", request.Str("status"));
        Assert.Equal("twilio_30003", request.Str("error_code"));
        Assert.Contains("unreachable", request.Str("error_message"));
    }

    [Fact]
    public async Task A_completed_call_shows_completed_with_its_duration()
    {
        var to = SystemFixture.UniqueNumber();
        var id = await StartAsync("phone", to);
        var request = await system.RequestWhenAsync(id, r => r.Str("twilio_status") == "completed", "Twilio's completed to reach the request");
        Assert.Equal("completed", request.Str("status"));
        var call = await system.Emulator.WaitForCallEndAsync(request.Str("twilio_sid"));
        Assert.True(call.Duration > 0);
        Assert.Equal(call.Duration, request["duration_seconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_busy_call_shows_busy_with_no_duration_and_nothing_billed()
    {
        var domain = await system.NewBilledDomainAsync("busybill", 50);
        var to = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(to, "busy");
        var id = await system.StartAsync(domain, "phone", to, "reminder");
        // Until Twilio's end has reached the request, whatever that end is.
        var request = await system.RequestWhenAsync(id, r => r["duration_seconds"] is not null, "the call's end to be recorded", domain.ApiKey);
        Assert.Equal("busy", request.Str("status"));
        Assert.Equal(0, request["duration_seconds"]!.GetValue<int>());
        Assert.Contains("busy", request.Str("error_message"));
        // Nothing billed: the balance comes back whole (the reservation released) and the ledger holds only the grant.
        await system.SettledBalanceAsync(domain.Name, 50);
        Assert.Equal(["grant"], (await system.LedgerAsync(domain.Name)).Select(e => e!["kind"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task A_forged_unsigned_or_unknown_callback_gets_403_and_changes_nothing()
    {
        var id = await StartAsync("sms", SystemFixture.UniqueNumber());
        var delivered = await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the sms to be delivered");
        var sid = delivered.Str("twilio_sid");
        var form = MessageForm(sid, "failed", errorCode: "30007");

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/twilio/status/message", form, signedWith: "not-the-accounts-token"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/twilio/status/message", form, signedWith: null));
        var unknown = MessageForm("SM" + Guid.NewGuid().ToString("N"), "delivered");
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/twilio/status/message", unknown, signedWith: system.EnvironmentAccount.Token));
        // The right token but another account's SID in the form: not the account that owns the message.
        var otherAccount = new Dictionary<string, string>(form) { ["AccountSid"] = SystemFixture.NewAccountCredentials().Sid };
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/twilio/status/message", otherAccount, signedWith: system.EnvironmentAccount.Token));

        var after = await system.RequestWhenAsync(id, _ => true, "the request");
        Assert.Equal("delivered", after.Str("status"));
        Assert.Null(after["error_code"]);
    }

    [Fact]
    public async Task Late_message_callbacks_never_move_the_status_backwards()
    {
        var id = await StartAsync("sms", SystemFixture.UniqueNumber());
        var delivered = await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the sms to be delivered");
        var sid = delivered.Str("twilio_sid");

        var lateFrom = DateTimeOffset.UtcNow;
        using var handled = Consumed<MessageStatusReported>.On(system.Messaging, c => c.Message.MessageSid == sid && c.Message.ReportedAt >= lateFrom);
        foreach (var late in new[] { "sent", "queued", "delivered" })
            Assert.Equal(HttpStatusCode.NoContent, await PostAsync("/twilio/status/message", MessageForm(sid, late), system.EnvironmentAccount.Token));

        await handled.TimesAsync(3);
        var after = await system.RequestWhenAsync(id, _ => true, "the request");
        Assert.Equal(("delivered", "delivered"), (after.Str("status"), after.Str("twilio_status")));
    }

    [Fact]
    public async Task Reports_of_one_message_arriving_together_move_it_forwards_once_each_whatever_batch_they_land_in()
    {
        var (id, sid) = (Guid.NewGuid(), "SM" + Guid.NewGuid().ToString("N"));
        await using (var db = await system.Database.OpenConnectionAsync())
            await Dapper.SqlMapper.ExecuteAsync(db, """
                INSERT INTO call_logs (id, channel, phone_number, type, instruction, source, status)
                VALUES (@id, 'sms', @to, 'informational', 'Your parcel arrives today', 'api', 'sending')
                """, new { id, to = SystemFixture.UniqueNumber() });

        using var handled = Consumed<MessageStatusReported>.On(system.Messaging, c => c.Message.RequestId == id);
        var bus = system.Ingress.Services.GetRequiredService<MassTransit.IBus>();
        // Out of order and one twice, as Twilio's callbacks and a redelivery can bring them.
        await Task.WhenAll(new[] { "delivered", "queued", "sent", "sent" }.Select(status => bus.Publish(new MessageStatusReported
        {
            MessageSid = sid, AccountSid = system.EnvironmentAccount.Sid, RequestId = id, Channel = "sms", Status = status, ReportedAt = DateTimeOffset.UtcNow,
        })));

        await handled.TimesAsync(4);
        var request = await system.RequestWhenAsync(id, _ => true, "the request");
        Assert.Equal(("delivered", "delivered", sid), (request.Str("status"), request.Str("twilio_status"), request.Str("twilio_sid")));
        await using var read = await system.Database.OpenConnectionAsync();
        var history = (await Dapper.SqlMapper.QueryAsync<string>(read,
            "SELECT status FROM request_status_history WHERE request_id = @id ORDER BY id", new { id })).ToList();
        Assert.Equal(history.Distinct(), history); // no status twice
        Assert.Equal("delivered", history[^1]);
        Assert.Equal(history.OrderBy(s => Array.IndexOf(["queued", "sent", "delivered"], s)), history); // never backwards
    }

    [Fact]
    public async Task Late_call_callbacks_never_move_the_status_backwards_or_lose_the_duration()
    {
        var id = await StartAsync("phone", SystemFixture.UniqueNumber());
        var completed = await system.RequestWhenAsync(id, r => r.Str("status") == "completed", "the call to complete");
        var sid = completed.Str("twilio_sid");
        var duration = completed["duration_seconds"]!.GetValue<int>();

        var lateFrom = DateTimeOffset.UtcNow;
        using var handled = Consumed<CallStatusReported>.On(system.Voice, c => c.Message.CallSid == sid && c.Message.ReportedAt >= lateFrom);
        foreach (var late in new[] { "ringing", "in-progress", "initiated" })
        {
            var form = new Dictionary<string, string>
            {
                ["CallSid"] = sid, ["AccountSid"] = system.EnvironmentAccount.Sid, ["CallStatus"] = late, ["Direction"] = "outbound-api",
            };
            Assert.Equal(HttpStatusCode.NoContent, await PostAsync("/twilio/status/call", form, system.EnvironmentAccount.Token));
        }

        await handled.TimesAsync(3);
        var after = await system.RequestWhenAsync(id, _ => true, "the request");
        Assert.Equal("completed", after.Str("status"));
        Assert.Equal(duration, after["duration_seconds"]!.GetValue<int>());
    }

    private async Task<Guid> StartAsync(string channel, string to) =>
        await (await system.StartAsync(Api.StartBody(to, channel, "informational", "Your parcel arrives today")))
            .AcceptedRequestIdAsync();

    private Dictionary<string, string> MessageForm(string sid, string status, string? errorCode = null) => system.MessageForm(sid, status, errorCode);

    /// <summary>Posts a callback as Twilio would, signed with <paramref name="signedWith"/> (or unsigned when null).</summary>
    private async Task<HttpStatusCode> PostAsync(string path, Dictionary<string, string> form, string? signedWith)
    {
        using var http = system.Ingress.CreateHttpClient();
        return await system.PostCallbackAsync(http, path, form, signedWith);
    }
}
