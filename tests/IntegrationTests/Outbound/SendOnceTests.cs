using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.Outbound.Reconciliation;
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
