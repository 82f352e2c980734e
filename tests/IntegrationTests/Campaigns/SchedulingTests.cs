using System.Net;
using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>
/// Scheduling and quiet hours, on a system whose services all read one clock the test sets (<see cref="ClockedSystemFixture"/>): a
/// request waits as <c>scheduled</c> in PostgreSQL, survives a restart of the dispatcher that holds the schedule, goes when the clock
/// reaches its time, and can be cancelled until then; outside the recipient's sending window it waits for the window to open.
/// </summary>
[Collection(ClockedSystemCollection.Name)]
public sealed class SchedulingTests(ClockedSystemFixture system)
{
    private static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:sszzz");

    /// <summary>POST /start as a careful client sends it: with an Idempotency-Key, again on a 503 (the broker slow to confirm on a busy machine).</summary>
    private async Task<Guid> StartOnceAsync(object body, string? apiKey = SystemFixture.AdminKey)
    {
        using var http = system.Ingress.CreateHttpClient(apiKey);
        http.DefaultRequestHeaders.Add("Idempotency-Key", Guid.NewGuid().ToString());
        for (var attempt = 1; ; attempt++)
        {
            var response = await http.PostAsJsonAsync("/start", body);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 3) return await response.AcceptedRequestIdAsync();
        }
    }

    private static DateTimeOffset Seconds(DateTimeOffset time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, time.Offset);

    [Fact]
    public async Task A_request_scheduled_ahead_waits_survives_a_dispatcher_restart_and_goes_at_its_time()
    {
        var to = SystemFixture.UniqueNumber();
        var sendAt = Seconds(system.Clock.GetUtcNow().AddMinutes(10)).ToOffset(TimeSpan.FromHours(2));
        var body = Api.StartBody(to, "sms", "reminder", "Your appointment is at noon");
        body["send_at"] = Iso(sendAt);
        var id = await StartOnceAsync(body);

        var scheduled = await system.RequestWhenAsync(id, r => r.Str("status") == "scheduled", "the request to be scheduled");
        Assert.Equal(sendAt, scheduled["send_at"]!.GetValue<DateTimeOffset>());

        await system.RestartDispatcherAsync();
        Assert.Equal("scheduled", (await system.RequestWhenAsync(id, _ => true, "the request")).Str("status"));
        Assert.Empty(await system.Emulator.GetRequestsAsync(to));

        system.Clock.Set(sendAt.AddSeconds(1));
        var sent = await system.RequestWithSidAsync(id);
        Assert.NotEqual("failed", sent.Str("status"));
        Assert.Single(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task A_scheduled_request_can_be_cancelled_until_it_starts_and_is_then_never_sent()
    {
        var (cancelled, marker) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var now = system.Clock.GetUtcNow();
        var cancelledBody = Api.StartBody(cancelled, "sms", "reminder", "Cancelled before its time");
        cancelledBody["send_at"] = Iso(now.AddMinutes(20));
        var markerBody = Api.StartBody(marker, "sms", "reminder", "Goes after the cancelled one was due");
        markerBody["send_at"] = Iso(now.AddMinutes(30));
        var id = await StartOnceAsync(cancelledBody);
        var markerId = await StartOnceAsync(markerBody);
        await system.RequestWhenAsync(id, r => r.Str("status") == "scheduled", "the request to be scheduled");
        await system.RequestWhenAsync(markerId, r => r.Str("status") == "scheduled", "the marker to be scheduled");

        var cancel = await system.Admin.PostAsync($"/requests/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await system.RequestWhenAsync(id, _ => true, "the request")).Str("status"));
        Assert.Equal(HttpStatusCode.Conflict, (await system.Admin.PostAsync($"/requests/{id}/cancel", null)).StatusCode);

        system.Clock.Set(now.AddMinutes(31));
        await system.RequestWithSidAsync(markerId);
        Assert.Empty(await system.Emulator.GetRequestsAsync(cancelled));
        Assert.Equal("cancelled", (await system.RequestWhenAsync(id, _ => true, "the request")).Str("status"));
        // Once it has started, it can no longer be cancelled.
        Assert.Equal(HttpStatusCode.Conflict, (await system.Admin.PostAsync($"/requests/{markerId}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Outside_the_recipients_sending_window_a_request_waits_for_it_to_open_and_only_transactional_types_may_ignore_it()
    {
        var domain = await system.DomainAsync("quiet", new Dictionary<string, string>
        {
            ["sending_window_start"] = "09:00", ["sending_window_end"] = "20:00", ["transactional_types"] = "otp, password_reset",
        });
        // +1415 numbers are in San Francisco: 03:00 there, the next morning.
        var pacific = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var localNow = TimeZoneInfo.ConvertTime(system.Clock.GetUtcNow(), pacific);
        var day = DateOnly.FromDateTime(localNow.DateTime).AddDays(1);
        var threeAm = new DateTimeOffset(day.ToDateTime(new TimeOnly(3, 0)), pacific.GetUtcOffset(day.ToDateTime(new TimeOnly(3, 0))));
        var opening = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), pacific.GetUtcOffset(day.ToDateTime(new TimeOnly(9, 0))));
        system.Clock.Set(threeAm);

        var (waits, urgent) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var id = await StartOnceAsync(Api.StartBody(waits, "sms", "reminder", "See you today", domain.Name), domain.Key);
        var held = await system.RequestWhenAsync(id, r => r.Str("status") == "scheduled", "the request to wait for the window", domain.Key);
        Assert.Equal(opening, held["send_at"]!.GetValue<DateTimeOffset>());

        // ignore_quiet_hours: refused for a type the domain does not mark transactional, honoured for one it does.
        var notTransactional = Api.StartBody(urgent, "sms", "reminder", "Not urgent at all", domain.Name);
        notTransactional["ignore_quiet_hours"] = true;
        var refused = await system.StartAsync(notTransactional, domain.Key);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.NotNull((await refused.JsonAsync())["errors"]?["ignore_quiet_hours"]);
        var transactional = Api.StartBody(urgent, "sms", "otp", "Your code is 123456", domain.Name);
        transactional["ignore_quiet_hours"] = true;
        var urgentId = await StartOnceAsync(transactional, domain.Key);
        await system.RequestWithSidAsync(urgentId, domain.Key);

        // The one that waits has not gone at 03:00, and goes once the window opens.
        Assert.Empty(await system.Emulator.GetRequestsAsync(waits));
        Assert.Equal("scheduled", (await system.RequestWhenAsync(id, _ => true, "the request", domain.Key)).Str("status"));
        system.Clock.Set(opening.AddSeconds(1));
        await system.RequestWithSidAsync(id, domain.Key);
        Assert.Single(await system.Emulator.GetRequestsAsync(waits));
    }
}
