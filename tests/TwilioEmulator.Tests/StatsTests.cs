using System.Text.Json;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

/// <summary>What a benchmark reads back: totals, duplicates by request_id, and listings in pages. A private emulator per test keeps totals exact.</summary>
public sealed class StatsTests : IAsyncLifetime
{
    private RunningEmulator _emulator = null!;
    private FakeApplication _app = null!;

    public async Task InitializeAsync()
    {
        _emulator = await RunningEmulator.StartAsync();
        _app = await FakeApplication.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private Task<MessageResource> SendAsync(string to, string requestId) =>
        MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(Numbers.Business), body: "hi",
            statusCallback: new Uri(_app.Url($"twilio/status/message?request_id={requestId}")), client: _emulator.Twilio());

    [Fact]
    public async Task Stats_count_creations_faults_and_duplicate_request_ids()
    {
        var person = Numbers.Person();
        var sent = new List<string>
        {
            (await SendAsync(person, "r1")).Sid,
            (await SendAsync(person, "r1")).Sid, // the duplicate a benchmark hunts for
            (await SendAsync(Numbers.Person(), "r2")).Sid,
        };
        await _emulator.Admin.AddFailureAsync(new FailureRule(AfterCreate: "drop", Times: 1));
        await Assert.ThrowsAsync<ApiConnectionException>(() => SendAsync(Numbers.Person(), "r3"));
        var dropped = (await _emulator.Admin.GetMessagesAsync()).Single(m => m.AnswerFault is not null).Sid;
        foreach (var sid in sent.Append(dropped)) await _emulator.Admin.WaitForMessageStatusAsync(sid, ["delivered"]);

        var stats = await _emulator.Admin.GetStatsAsync();

        var messages = stats.Messages;
        Assert.Equal(4, messages.Created);
        Assert.Equal(4, messages.ByStatus["delivered"]);
        Assert.Equal(1, messages.ByAnswerFault["drop"]);
        Assert.Equal(3, messages.DistinctStatusCallbacks);
        Assert.Equal(1, messages.DuplicatedStatusCallbacks);
        Assert.Equal(1, messages.DuplicateCreations);
        var duplicate = Assert.Single(messages.Duplicates);
        Assert.Equal("r1", duplicate.Key);
        Assert.Equal(sent[..2], duplicate.Sids);
        Assert.Equal(0, messages.WithoutStatusCallback);
        Assert.Equal(0, stats.Calls.Created);
        Assert.Equal(3, stats.Requests.ByStatusCode["201"]);
        Assert.Equal(1, stats.Requests.ByStatusCode["0"]);
        Assert.Equal(1, stats.Requests.ByAnswerFault["drop"]);
        // Each "sent" callback went out (and was logged) before its message could move on to delivered.
        Assert.True(stats.Webhooks.ByKind["message-status"] >= 4);

        // Field names as the benchmark script reads them.
        using var raw = JsonDocument.Parse(await _emulator.Http.GetStringAsync("_emulator/stats"));
        var json = raw.RootElement.GetProperty("messages");
        Assert.Equal(4, json.GetProperty("created").GetInt32());
        Assert.Equal("r1", json.GetProperty("duplicates")[0].GetProperty("key").GetString());
        Assert.Equal(1, json.GetProperty("by_answer_fault").GetProperty("drop").GetInt32());
    }

    [Fact]
    public async Task Inspection_listings_page_oldest_first_and_show_callback_and_fault()
    {
        var person = Numbers.Person();
        var sids = new List<string>();
        for (var i = 0; i < 5; i++) sids.Add((await SendAsync(person, $"req-{i}")).Sid);
        await SendAsync(Numbers.Person(), "elsewhere");

        var first = await _emulator.Admin.GetMessagesPageAsync(pageSize: 2, to: person);
        Assert.Equal(sids[..2], first.Items.Select(m => m.Sid));
        Assert.Equal(5, first.Total);
        Assert.Equal(sids[1], first.NextAfter);
        var second = await _emulator.Admin.GetMessagesPageAsync(pageSize: 2, after: first.NextAfter, to: person);
        Assert.Equal(sids[2..4], second.Items.Select(m => m.Sid));

        var streamed = new List<string>();
        await foreach (var message in _emulator.Admin.StreamMessagesAsync(pageSize: 2)) streamed.Add(message.Sid);
        Assert.Equal(6, streamed.Count);
        Assert.Equal(sids, streamed.Take(5));

        var requests = new List<long>();
        await foreach (var request in _emulator.Admin.StreamRequestsAsync(pageSize: 4)) requests.Add(request.Id);
        Assert.Equal(6, requests.Count);
        Assert.Equal(requests.Order(), requests);
        Assert.Equal(5, (await _emulator.Admin.GetRequestsPageAsync(pageSize: 10, to: person)).Items.Count);

        // Without paging parameters the listing stays the plain array existing callers read.
        Assert.Equal(sids, (await _emulator.Admin.GetMessagesAsync(person)).Select(m => m.Sid));

        using var raw = JsonDocument.Parse(await _emulator.Http.GetStringAsync($"_emulator/messages?page_size=1&to={Uri.EscapeDataString(person)}"));
        var record = raw.RootElement.GetProperty("items")[0];
        Assert.Equal(_app.Url("twilio/status/message?request_id=req-0"), record.GetProperty("status_callback").GetString());
        Assert.True(record.TryGetProperty("answer_fault", out _));
        Assert.True(record.TryGetProperty("date_sent", out _));
        Assert.Equal(sids[0], raw.RootElement.GetProperty("next_after").GetString());
    }

    [Fact]
    public async Task Call_pages_work_like_message_pages()
    {
        var person = Numbers.Person();
        var sids = new List<string>();
        for (var i = 0; i < 3; i++)
            sids.Add((await CallResource.CreateAsync(to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business),
                twiml: new Twiml("<Response/>"), client: _emulator.Twilio())).Sid);

        var streamed = new List<string>();
        await foreach (var call in _emulator.Admin.StreamCallsAsync(person, pageSize: 2)) streamed.Add(call.Sid);
        Assert.Equal(sids, streamed);
        var last = await _emulator.Admin.GetCallsPageAsync(pageSize: 2, after: sids[1]);
        Assert.Equal([sids[2]], last.Items.Select(c => c.Sid));
        Assert.Null(last.NextAfter);
    }
}
