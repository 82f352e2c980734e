using System.Net.Http.Json;
using Aventora.Billing.Credits;
using Aventora.Contracts.Billing;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Billing;

/// <summary>
/// Credits over the whole system: reserved by the Dispatcher, billed by the workers' UsageRecorded, written once to the ledger.
/// The fixture's prices: 3 credits a message, 7 a connected "reminder" call, 5 a connected call of any other type.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BillingTests(SystemFixture system)
{
    [Fact]
    public async Task An_sms_and_a_whatsapp_message_cost_3_credits_each()
    {
        var domain = await system.NewBilledDomainAsync("msgs", 100);
        var sms = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        var wmsg = await system.StartAsync(domain, "wmsg", SystemFixture.UniqueNumber());
        var sids = new[] { (await system.RequestWithSidAsync(sms)).Str("twilio_sid"), (await system.RequestWithSidAsync(wmsg)).Str("twilio_sid") };

        await system.SettledBalanceAsync(domain.Name, 94);
        var usage = (await system.LedgerAsync(domain.Name)).Where(e => e!["kind"]!.GetValue<string>() == "message").ToList();
        Assert.Equal(2, usage.Count);
        Assert.All(usage, e => Assert.Equal(-3, e!["credits"]!.GetValue<int>()));
        Assert.Equal(sids.Order(), usage.Select(e => e!["twilio_sid"]!.GetValue<string>()).Order());
        Assert.Equal(["sms", "wmsg"], usage.Select(e => e!["channel"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Connected_calls_on_both_voice_channels_cost_the_price_of_their_type()
    {
        var domain = await system.NewBilledDomainAsync("calls", 100);
        var calls = new[] { ("phone", "reminder", 7), ("wvoice", "reminder", 7), ("phone", "unlisted_type", 5), ("wvoice", "other_type", 5) };
        var ids = new List<Guid>();
        foreach (var (channel, type, _) in calls) ids.Add(await system.StartAsync(domain, channel, SystemFixture.UniqueNumber(), type));
        foreach (var id in ids) await system.RequestWhenAsync(id, r => r.Str("status") == "completed", $"call {id} to complete");

        await system.SettledBalanceAsync(domain.Name, 100 - calls.Sum(c => c.Item3));
        var usage = (await system.LedgerAsync(domain.Name)).Where(e => e!["kind"]!.GetValue<string>() == "call").ToList();
        Assert.Equal(
            calls.Select(c => $"{c.Item1}/{c.Item2}/{-c.Item3}").Order(),
            usage.Select(e => $"{e!["channel"]}/{e["type"]}/{e["credits"]}").Order());
    }

    [Fact]
    public async Task A_busy_or_unanswered_call_costs_nothing_and_gives_its_reservation_back()
    {
        var domain = await system.NewBilledDomainAsync("busy", 20);
        var (busy, unanswered) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        await system.Emulator.SetCallOutcomeAsync(busy, "busy");
        await system.Emulator.SetCallOutcomeAsync(unanswered, "no-answer");
        var first = await system.StartAsync(domain, "phone", busy, "reminder");
        var second = await system.StartAsync(domain, "wvoice", unanswered, "reminder");
        await system.RequestWhenAsync(first, r => r.Str("status") == "busy", "the phone call to end busy");
        await system.RequestWhenAsync(second, r => r.Str("status") == "no-answer", "the wvoice call to go unanswered");

        await system.SettledBalanceAsync(domain.Name, 20);
        Assert.DoesNotContain(await system.LedgerAsync(domain.Name), e => e!["kind"]!.GetValue<string>() != "grant");
    }

    [Fact]
    public async Task A_redelivered_UsageRecorded_is_billed_once()
    {
        var domain = await system.NewBilledDomainAsync("redeliver", 50);
        var usage = new UsageRecorded
        {
            UsageId = Guid.NewGuid(), RequestId = Guid.NewGuid(), DomainName = domain.Name, Channel = "sms", Kind = "message",
            Type = "informational", Credits = 3, TwilioSid = "SM" + Guid.NewGuid().ToString("N"), OccurredAt = DateTimeOffset.UtcNow,
        };
        using var handled = Consumed<UsageRecorded>.On(system.Dispatcher, c => c.Message.UsageId == usage.UsageId);
        var bus = system.Ingress.Services.GetRequiredService<IBus>();
        await bus.Publish(usage);
        await bus.Publish(usage);

        await handled.TimesAsync(2);
        Assert.Equal(47, (await system.BalanceAsync(domain.Name))["balance"]!.GetValue<long>());
        Assert.Single(await system.LedgerAsync(domain.Name), e => e!["entry_id"]!.GetValue<Guid>() == usage.UsageId);
    }

    [Fact]
    public async Task A_burst_of_usages_for_two_domains_with_copies_among_them_bills_each_usage_once_to_its_own_domain()
    {
        var (first, second) = (await system.NewBilledDomainAsync("burst-a", 100), await system.NewBilledDomainAsync("burst-b", 100));
        UsageRecorded Usage(BilledDomain domain, int credits) => new()
        {
            UsageId = Guid.NewGuid(), RequestId = Guid.NewGuid(), DomainName = domain.Name, Channel = "sms", Kind = "message",
            Type = "informational", Credits = credits, TwilioSid = "SM" + Guid.NewGuid().ToString("N"), OccurredAt = DateTimeOffset.UtcNow,
        };
        var usages = Enumerable.Range(0, 12).Select(i => i % 3 == 0 ? Usage(second, 4) : Usage(first, 3)).ToList();
        var burst = usages.Concat(usages.Take(5)).ToList(); // five of them twice, as a redelivery would bring them
        var ids = usages.Select(u => u.UsageId).ToHashSet();
        using var handled = Consumed<UsageRecorded>.On(system.Dispatcher, c => ids.Contains(c.Message.UsageId));
        var bus = system.Ingress.Services.GetRequiredService<IBus>();
        await Task.WhenAll(burst.Select(u => bus.Publish(u)));

        await handled.TimesAsync(burst.Count);
        Assert.Equal(100 - 8 * 3, (await system.BalanceAsync(first.Name))["balance"]!.GetValue<long>());
        Assert.Equal(100 - 4 * 4, (await system.BalanceAsync(second.Name))["balance"]!.GetValue<long>());
        var ledger = (await system.LedgerAsync(first.Name, "?page_size=100")).Concat(await system.LedgerAsync(second.Name, "?page_size=100"))
            .Select(e => e!["entry_id"]!.GetValue<Guid>()).Where(ids.Contains).ToList();
        Assert.Equal(ids.Order(), ledger.Order());
    }

    [Fact]
    public async Task A_group_of_reservations_holds_each_domains_credits_in_order_until_the_first_that_does_not_fit()
    {
        var (poor, rich) = (await system.NewBilledDomainAsync("group-poor", 7), await system.NewBilledDomainAsync("group-rich", 100));
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var group = new[]
        {
            new CreditHold(poor.Name, ids[0], 3), new CreditHold(rich.Name, ids[1], 4), new CreditHold(poor.Name, ids[2], 3),
            new CreditHold(poor.Name, ids[0], 3), // the same request twice (a redelivery beside its original): held once
            new CreditHold(poor.Name, ids[3], 10), // does not fit in the 1 left
            new CreditHold(poor.Name, ids[4], 1),  // would fit, but comes after one that did not
        };
        var credits = new CreditRepository(system.Database);

        var results = await credits.ReserveManyAsync(group, CancellationToken.None);
        Assert.Equal([true, true, true, false, false], ids.Select(id => results[id].Reserved));
        Assert.Equal(1, results[ids[3]].Available);
        var again = await credits.ReserveManyAsync(group.Take(3).ToArray(), CancellationToken.None); // redelivered: nothing held twice
        Assert.All(ids.Take(3), id => Assert.True(again[id].Reserved));

        Assert.Equal((7L, 6L), ((await system.BalanceAsync(poor.Name))["balance"]!.GetValue<long>(), (await system.BalanceAsync(poor.Name))["reserved"]!.GetValue<long>()));
        Assert.Equal(4, (await system.BalanceAsync(rich.Name))["reserved"]!.GetValue<long>());
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(3, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM credit_reservations WHERE request_id = ANY(@ids)", new { ids }));
    }

    [Fact]
    public async Task A_send_Twilio_refuses_gives_its_reservation_back()
    {
        var domain = await system.NewBilledDomainAsync("refused", 10);
        var to = SystemFixture.UniqueNumber();
        await system.Emulator.AddFailureAsync(new FailureRule(To: to, Status: 400, Code: 21211, Message: $"The 'To' number {to} is not a valid phone number."));
        var id = await system.StartAsync(domain, "sms", to);

        Assert.Equal("twilio_21211", (await system.RequestFailedAsync(id)).Str("error_code"));
        await system.SettledBalanceAsync(domain.Name, 10);
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal("released", await db.ExecuteScalarAsync<string>("SELECT state FROM credit_reservations WHERE request_id = @id", new { id }));
    }

    [Fact]
    public async Task A_request_the_domain_cannot_pay_for_ends_as_insufficient_credits_and_nothing_is_sent()
    {
        var domain = await system.NewBilledDomainAsync("poor", 2);
        var to = SystemFixture.UniqueNumber();
        var id = await system.StartAsync(domain, "sms", to);

        var request = await system.RequestWhenAsync(id, r => r["error_code"] is not null || r["twilio_sid"] is not null, "the request to be decided", domain.ApiKey);
        Assert.Equal(("insufficient_credits", "insufficient_credits"), (request.Str("status"), request.Str("error_code")));
        Assert.Contains("2 credits available", request.Str("error_message"));
        Assert.Contains("costs 3", request.Str("error_message"));
        Assert.Empty(await system.Emulator.GetRequestsAsync(to));
        await system.SettledBalanceAsync(domain.Name, 2);
    }

    [Fact]
    public async Task With_enforcement_off_a_domain_is_served_and_billed_beyond_its_balance()
    {
        var domain = await system.NewBilledDomainAsync("trusted", 0);
        var updated = await system.Admin.PutAsJsonAsync($"/admin/domains/{domain.Name}", new { credits_enforced = false });
        Assert.False((await updated.JsonAsync())["credits_enforced"]!.GetValue<bool>());

        var id = await system.StartAsync(domain, "sms", SystemFixture.UniqueNumber());
        Assert.NotEqual("insufficient_credits", (await system.RequestWithSidAsync(id)).Str("status"));
        var balance = await system.SettledBalanceAsync(domain.Name, -3);
        Assert.False(balance["credits_enforced"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_hundred_requests_at_once_against_credits_for_ten_send_exactly_ten_and_never_go_below_zero()
    {
        var domain = await system.NewBilledDomainAsync("rush", 30);
        var numbers = Enumerable.Range(0, 100).Select(_ => SystemFixture.UniqueNumber()).ToList();
        // With the admin key: a domain key is looked up in PostgreSQL, and a hundred lookups at once would need a hundred connections.
        var ids = await Task.WhenAll(numbers.Select(async to => await (await system.StartAsync(new
        {
            phone_number = to, channel = "sms", type = "informational", instruction = "Only ten of us get through", domain_name = domain.Name,
        })).AcceptedRequestIdAsync()));

        await using var db = await system.Database.OpenConnectionAsync();
        await Eventually.Get(async () =>
        {
            return (long?)await db.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM call_logs WHERE id = ANY(@ids) AND (twilio_sid IS NOT NULL OR status = 'insufficient_credits')", new { ids });
        }, done => done == 100, "every request to be sent or refused", TimeSpan.FromSeconds(90));

        var sent = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM call_logs WHERE id = ANY(@ids) AND twilio_sid IS NOT NULL", new { ids });
        var refused = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM call_logs WHERE id = ANY(@ids) AND status = 'insufficient_credits'", new { ids });
        Assert.Equal((10, 90), (sent, refused));
        var reached = (await system.Emulator.GetRequestsAsync()).Where(r => r.To is { } to && numbers.Contains(to)).ToList();
        Assert.Equal(10, reached.Count);

        await system.SettledBalanceAsync(domain.Name, 0);
        // Never below zero, shown by the whole history rather than samples of it: only ten requests ever held credits (a
        // reservation beyond the balance would have left a row, even if released later), and the ledger's running
        // balance, entry by entry, never dipped under zero.
        Assert.Equal(10, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM credit_reservations WHERE request_id = ANY(@ids)", new { ids }));
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM (SELECT sum(credits) OVER (ORDER BY seq) AS running FROM credit_ledger WHERE domain_name = @Name) l WHERE running < 0
            """, new { domain.Name }));
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT balance FROM credit_accounts WHERE domain_name = @Name", new { domain.Name }));
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(credits), 0) FROM credit_ledger WHERE domain_name = @Name", new { domain.Name }));
    }
}
