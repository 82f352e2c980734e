using Aventora.Bench.Load;
using Aventora.Bench.Observe;
using Aventora.Bench.Setup;

namespace Aventora.Bench.Phases;

public sealed record EndToEndResult(
    int Requests, int Accepted, int NotAccepted, double SendSeconds, IReadOnlyDictionary<string, int> ByChannel,
    double? Seconds, double? RequestsPerSecond, bool AllTerminal, string WaitEnding,
    Percentiles AcceptToTwilio, int SmsDelivered, double? SmsDeliveredPerSecond, int CallsPlaced, double? CallsPlacedPerSecond,
    IReadOnlyDictionary<string, int> FinalStatuses, IReadOnlyDictionary<string, int> FailedCallbacks, Integrity Integrity);

/// <summary>
/// N requests over the channel mix, each to its own number, through the whole system to the emulator and back. Figures:
/// throughput from the first 202 to the last terminal status in <c>call_logs</c>; accept → Twilio accepted (the 202's
/// arrival at the client vs. the emulator's record date_created, same clock); sms delivered/s and calls placed/s from the
/// emulator's records. Then every request is checked: created at Twilio exactly once, and call_logs' final status
/// equal to the emulator's.
/// </summary>
public sealed class EndToEndPhase(BenchSettings settings, BenchDomain domain, CallLogs callLogs, EmulatorRecords emulator)
{
    public async Task<EndToEndResult> RunAsync(CancellationToken ct)
    {
        var mix = new ChannelMix(settings.Mix);
        using var http = StartRequests.LoadClient(settings.IngressUrl, settings.Concurrency, settings.RequestTimeout);
        var load = new StartRequests(http, domain.ApiKey, domain.Name, Recipients.EndToEnd);
        var sendStarted = DateTimeOffset.UtcNow;
        var outcomes = await load.RunAsync(settings.Concurrency, settings.Requests, null, mix.For, ct);
        var sendSeconds = (DateTimeOffset.UtcNow - sendStarted).TotalSeconds;
        var accepted = outcomes.Where(o => o.Accepted).ToList();
        Console.Error.WriteLine($"[bench] e2e: {accepted.Count:N0} of {outcomes.Count:N0} accepted in {sendSeconds:0.0} s; waiting for terminal statuses");

        var waited = await Waiting.UntilAsync(
            c => callLogs.ForDomainAsync(domain.Name, c),
            p => p.Terminal >= accepted.Count,
            p => (p.Rows, p.AtTwilio, p.Terminal),
            p => $"{p.Rows:N0} recorded, {p.AtTwilio:N0} at Twilio, {p.Terminal:N0} of {accepted.Count:N0} terminal",
            "e2e", settings.MaxWait, settings.StallAfter, ct);
        // The emulator sends its last callbacks a moment after the last status it reports: let them land before comparing.
        await Task.Delay(TimeSpan.FromSeconds(2), ct);

        var rows = (await callLogs.RowsAsync(domain.Name, ct)).GroupBy(r => r.PhoneNumber).ToDictionary(g => g.Key, g => g.First());
        var created = (await emulator.MessagesAsync(ct)).Concat(await emulator.CallsAsync(ct))
            .Where(r => r.AccountSid == domain.AccountSid).ToList();
        var callbacks = (await emulator.WebhooksAsync(ct)).Where(w => w.AccountSid == domain.AccountSid && w.Status is < 200 or >= 300)
            .GroupBy(w => $"{w.Kind} → {(w.Status == 0 ? "no answer" : w.Status.ToString())}").ToDictionary(g => g.Key, g => g.Count());

        var number = (StartOutcome o) => Recipients.EndToEnd.For(o.Index);
        var integrity = Integrity.Check(
            accepted.Select(number).ToList(), outcomes.Where(o => o.Status <= 0).Select(number).ToList(), created, rows);

        var firstAccept = accepted.Count > 0 ? accepted.Min(o => o.AnsweredAt) : (DateTimeOffset?)null;
        var acceptedAt = accepted.ToDictionary(number, o => o.AnsweredAt);
        var toTwilio = created.Where(c => acceptedAt.ContainsKey(c.To)).Select(c => c.DateCreated - acceptedAt[c.To]);

        var terminalSeconds = firstAccept is { } start && waited.Last.LastTerminalAt is { } end ? (end - start).TotalSeconds : (double?)null;
        var smsDelivered = created.Where(c => c.Kind == "message" && !c.WhatsApp && c.Status == "delivered").ToList();
        var calls = created.Where(c => c.Kind == "call").ToList();
        return new EndToEndResult(
            outcomes.Count, accepted.Count, outcomes.Count - accepted.Count, sendSeconds,
            accepted.GroupBy(o => o.Channel).ToDictionary(g => g.Key, g => g.Count()),
            terminalSeconds, terminalSeconds > 0 ? waited.Last.Terminal / terminalSeconds : null, waited.Done, waited.Ending,
            Percentiles.Of(toTwilio),
            smsDelivered.Count, Rate(smsDelivered.Count, firstAccept, smsDelivered.Select(c => c.FinishedAt ?? c.DateCreated)),
            calls.Count, Rate(calls.Count, firstAccept, calls.Select(c => c.DateCreated)),
            rows.Values.GroupBy(r => $"{r.Channel} {r.Status}").OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            callbacks, integrity);
    }

    /// <summary>Count over the time from the first 202 to the last of <paramref name="times"/>.</summary>
    private static double? Rate(int count, DateTimeOffset? from, IEnumerable<DateTimeOffset> times)
    {
        var last = times.DefaultIfEmpty().Max();
        return count > 0 && from is { } start && last > start ? count / (last - start).TotalSeconds : null;
    }
}
