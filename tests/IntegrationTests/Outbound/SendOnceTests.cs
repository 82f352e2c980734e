using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.Outbound.Reconciliation;
using Aventora.TwilioEmulator.Inspection;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Outbound;

/// <summary>
/// Faults after Twilio accepted: the person gets one message or call, whatever fails, and the request still ends with the
/// SID and status Twilio has (recorded by the worker's own retries or by the reconciler), billed once.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SendOnceTests(SystemFixture system)
{
    [Theory]
    [InlineData("sms")]
    [InlineData("phone")]
    public async Task A_database_error_after_Twilio_accepted_sends_nothing_twice_and_the_SID_is_still_recorded(string channel)
    {
        var domain = await system.NewBilledDomainAsync("after-accept", credits: 100);
        var to = SystemFixture.UniqueNumber();
        await using var fault = await DatabaseFault.OnCallLogUpdateAsync(system.Database, to, "NEW.twilio_sid IS NOT NULL AND OLD.twilio_sid IS NULL");

        var id = await system.StartAsync(domain, channel, to);
        await fault.WaitForHitsAsync(2);
        await fault.HealAsync();

        var request = await system.RequestWhenAsync(id, r => r.Str("status") is "delivered" or "completed", $"the {channel} request to end as Twilio has it");
        var sids = channel == "sms"
            ? (await system.Emulator.GetMessagesAsync(to)).Select(m => m.Sid).ToList()
            : (await system.Emulator.GetCallsAsync(to)).Select(c => c.Sid).ToList();
        Assert.Equal([request.Str("twilio_sid")], sids);
        var price = channel == "sms" ? 3 : 10; // a connected informational call costs Billing:CallPrices:informational
        await system.SettledBalanceAsync(domain.Name, 100 - price);
        Assert.Single(await system.LedgerAsync(domain.Name), e => e!["kind"]!.GetValue<string>() != "grant");
    }

    [Theory]
    [InlineData("sms", "timeout")]
    [InlineData("sms", "drop")]
    [InlineData("sms", "500")]
    [InlineData("phone", "timeout")]
    [InlineData("wvoice", "drop")]
    public async Task Twilio_failing_after_it_created_the_message_or_call_sends_nothing_twice(string channel, string fault)
    {
        var domain = await system.NewBilledDomainAsync("lost-answer", credits: 100);
        var to = SystemFixture.UniqueNumber();
        // Twilio creates it, then the answer is lost: held for 3 s and cut, cut at once, or a 500. Its status callbacks still come,
        // and may well arrive before the worker knows the SID.
        await system.Emulator.AddFailureAsync(new FailureRule(To: to, AfterCreate: fault, DelayMs: fault == "timeout" ? 3000 : null, Method: "POST", Times: 1));

        var id = await system.StartAsync(domain, channel, to);

        var final = channel == "sms" ? "delivered" : "completed";
        var request = await system.RequestWhenAsync(id, r => r.Str("status") == final && r.Str("twilio_sid") != "", $"the {channel} request to end {final}");
        var sids = channel == "sms"
            ? (await system.Emulator.GetMessagesAsync(to)).Select(m => m.Sid).ToList()
            : (await system.Emulator.GetCallsAsync(to)).Select(c => c.Sid).ToList();
        Assert.Equal([request.Str("twilio_sid")], sids);
        await system.SettledBalanceAsync(domain.Name, 100 - (channel == "sms" ? 3 : 10));
    }

    [Fact]
    public async Task A_lost_answer_with_nothing_created_at_Twilio_fails_outcome_unknown_and_gives_the_credits_back()
    {
        var domain = await system.NewBilledDomainAsync("nothing-created", credits: 100);
        var to = SystemFixture.UniqueNumber();
        // A 503 before anything is created: the worker cannot know that, so it asks Twilio, finds nothing, and never resends.
        await system.Emulator.AddFailureAsync(new FailureRule(To: to, Status: 503, Code: 20503, Method: "POST", Times: 1));

        var id = await system.StartAsync(domain, "sms", to);

        var request = await system.RequestWhenAsync(id, r => r.Str("status") == "failed", "the request to fail", within: TimeSpan.FromSeconds(60));
        Assert.Equal("outcome_unknown", request.Str("error_code"));
        Assert.Contains("not sent again", request.Str("error_message"));
        Assert.Empty(await system.Emulator.GetMessagesAsync(to));
        Assert.Single(await system.Emulator.GetRequestsAsync(to), r => r.Method == "POST");
        await system.SettledBalanceAsync(domain.Name, 100);
    }

    [Fact]
    public async Task A_callback_during_a_database_outage_lands_once_the_database_is_back()
    {
        var to = SystemFixture.UniqueNumber();
        await using var fault = await DatabaseFault.OnCallLogUpdateAsync(system.Database, to,
            "NEW.status IN ('sent', 'delivered') AND NEW.status IS DISTINCT FROM OLD.status");

        var id = await (await system.StartAsync(Api.StartBody(to, "sms", "informational", "Your parcel arrives today"))).AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id)).Str("twilio_sid");
        await system.Emulator.WaitForMessageStatusAsync(sid, ["delivered"]);
        await fault.WaitForHitsAsync(2);
        Assert.NotEqual("delivered", (await system.RequestWhenAsync(id, _ => true, "the request")).Str("status"));

        await fault.HealAsync();
        await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the delivered callback to land after the outage");
    }

    [Fact]
    public async Task Two_reconcilers_sweeping_at_once_bill_a_forgotten_reservation_once()
    {
        var domain = await system.NewBilledDomainAsync("two-sweeps", credits: 30);
        var to = SystemFixture.UniqueNumber();
        var id = await system.StartAsync(domain, "sms", to);
        var sid = (await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the sms to be delivered")).Str("twilio_sid");
        await system.SettledBalanceAsync(domain.Name, 27);

        // The state a lost UsageRecorded leaves behind: the message went, its credits are still held and nothing is in the ledger.
        await using (var db = await system.Database.OpenConnectionAsync())
        {
            await db.ExecuteAsync("""
                DELETE FROM credit_ledger WHERE request_id = @id;
                UPDATE credit_reservations SET state = 'held', closed_at = NULL WHERE request_id = @id;
                UPDATE credit_accounts SET balance = 30, reserved = 3 WHERE domain_name = @domain;
                UPDATE call_logs SET updated_at = now() - interval '1 hour' WHERE id = @id;
                """, new { id, domain = domain.Name });
        }

        var reconciler = system.Messaging.Services.GetRequiredService<OutboundReconciler>();
        await Task.WhenAll(reconciler.RunOnceAsync(CancellationToken.None), reconciler.RunOnceAsync(CancellationToken.None));

        await system.SettledBalanceAsync(domain.Name, 27);
        var usage = Assert.Single(await system.LedgerAsync(domain.Name), e => e!["kind"]!.GetValue<string>() == "message");
        Assert.Equal(sid, usage!["twilio_sid"]!.GetValue<string>());
        Assert.Single(await system.Emulator.GetMessagesAsync(to));
    }
}
