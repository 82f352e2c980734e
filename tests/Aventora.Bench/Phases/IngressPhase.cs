using System.Diagnostics;
using Aventora.Bench.Load;
using Aventora.Bench.Observe;
using Aventora.Bench.Setup;

namespace Aventora.Bench.Phases;

public sealed record IngressResult(
    int Concurrency, double Seconds, int Sent, int Accepted, int Non2xx, int ClientErrors, int Timeouts,
    double AcceptedPerSecond, Percentiles Latency, IReadOnlyDictionary<int, int> ByStatus,
    int ReachedTwilio, string DrainEnding, Integrity Integrity);

/// <summary>
/// <c>POST /start</c> (sms) for a fixed time at a fixed number of connections. The accepted count is real work only
/// if those requests then reach Twilio, so the phase waits for them and counts them in the emulator.
/// </summary>
public sealed class IngressPhase(BenchSettings settings, BenchDomain domain, CallLogs callLogs, EmulatorRecords emulator)
{
    public async Task<IngressResult> RunAsync(CancellationToken ct)
    {
        using var http = StartRequests.LoadClient(settings.IngressUrl, settings.Concurrency, settings.RequestTimeout);
        var load = new StartRequests(http, domain.ApiKey, domain.Name, Recipients.Ingress);
        var warmUp = await load.SendAsync(Recipients.Capacity - 1, "sms", ct); // opens a connection and warms the path; not counted
        var clock = Stopwatch.StartNew();
        var outcomes = await load.RunAsync(settings.Concurrency, Recipients.Capacity - 1, TimeSpan.FromSeconds(settings.Seconds), _ => "sms", ct);
        var seconds = clock.Elapsed.TotalSeconds;

        var accepted = outcomes.Where(o => o.Accepted).ToList();
        // Everything sent must reach Twilio, the warm-up too.
        var all = outcomes.Append(warmUp).ToList();
        var expected = all.Count(o => o.Accepted);
        Console.Error.WriteLine($"[bench] ingress: {accepted.Count:N0} accepted in {seconds:0.0} s; waiting for them to reach Twilio");
        var drained = await Waiting.UntilAsync(
            c => callLogs.ForDomainAsync(domain.Name, c),
            p => p.AtTwilio + p.RefusedBeforeTwilio >= expected,
            p => (p.Rows, p.AtTwilio, p.RefusedBeforeTwilio),
            p => $"{p.AtTwilio:N0} of {expected:N0} at Twilio",
            "ingress drain", settings.MaxWait, settings.StallAfter, ct);

        var created = (await emulator.MessagesAsync(ct)).Where(m => m.AccountSid == domain.AccountSid).ToList();
        var integrity = Integrity.Check(
            all.Where(o => o.Accepted).Select(o => Recipients.Ingress.For(o.Index)).ToList(),
            all.Where(o => o.Status <= 0).Select(o => Recipients.Ingress.For(o.Index)).ToList(),
            created, rows: null);
        var reached = expected - integrity.Lost;
        return new IngressResult(
            settings.Concurrency, seconds, outcomes.Count, accepted.Count,
            outcomes.Count(o => o.Status > 0 && o.Status is < 200 or >= 300),
            outcomes.Count(o => o.Status == StartOutcome.ClientError),
            outcomes.Count(o => o.Status == StartOutcome.Timeout),
            accepted.Count / seconds, Percentiles.Of(outcomes.Select(o => o.Latency)),
            outcomes.GroupBy(o => o.Status).ToDictionary(g => g.Key, g => g.Count()),
            reached, drained.Ending, integrity);
    }
}
