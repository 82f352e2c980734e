using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aventora.Bench.Broker;
using Aventora.Bench.Load;
using Aventora.Bench.Phases;

namespace Aventora.Bench.Report;

/// <summary>Everything one run measured; written whole as JSON, summarised as a Markdown table.</summary>
public sealed record BenchReport
{
    public required string RunAt { get; init; }
    public required string Machine { get; init; }
    public required object Settings { get; init; }
    public int? EnvelopeBytes { get; init; }
    public string? EnvelopeNote { get; init; }
    public BrokerResult? Broker { get; init; }
    public IngressResult? Ingress { get; init; }
    public EndToEndResult? EndToEnd { get; init; }
    public CsvResult? Csv { get; init; }
    public IReadOnlyList<ProcessPeak>? Memory { get; init; }
    /// <summary>CPU seconds by part of the system (Aventora's processes, the emulator, the load generator, PostgreSQL, RabbitMQ), per phase.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Observe.CpuUse>> Cpu { get; init; } = new Dictionary<string, IReadOnlyList<Observe.CpuUse>>();
    public double? EndToEndToBrokerRatio { get; init; }
    public IReadOnlyList<string> IntegrityFailures { get; init; } = [];
    public IReadOnlyList<string> PhaseErrors { get; init; } = [];

    /// <summary>The integrity checks that failed, and the end-to-end/broker ratio, once every phase has run.</summary>
    public BenchReport WithVerdicts(IReadOnlyList<string> phaseErrors)
    {
        var failures = new List<string>();
        if (Broker is { AllConsumed: false } b)
            failures.Add($"broker: {b.Consumed:N0} of {b.Confirmed:N0} confirmed messages consumed");
        if (Ingress is { Integrity.Clean: false } i)
            failures.Add($"ingress: {i.Integrity.Lost:N0} accepted requests never reached Twilio, {i.Integrity.Duplicated:N0} reached it more than once, {i.Integrity.SentDespiteRefusal:N0} refused yet sent");
        if (EndToEnd is { Integrity.Clean: false } e)
            failures.Add($"end to end: lost {e.Integrity.Lost:N0}, duplicated {e.Integrity.Duplicated:N0}, mismatched {e.Integrity.Mismatched:N0}, refused yet sent {e.Integrity.SentDespiteRefusal:N0}");
        if (Csv is { Integrity.Clean: false } c)
            failures.Add($"csv: lost {c.Integrity.Lost:N0}, duplicated {c.Integrity.Duplicated:N0}");
        return this with
        {
            IntegrityFailures = failures,
            PhaseErrors = phaseErrors,
            EndToEndToBrokerRatio = EndToEnd?.RequestsPerSecond is { } rate && Broker?.ConsumedPerSecond is > 0 and var ceiling ? rate / ceiling : null,
        };
    }

    private static readonly CultureInfo En = CultureInfo.InvariantCulture;
    public const long MemoryTargetKb = 300 * 1024;

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people and tools, never HTML: keep → and ≠ readable
    });

    public string ToMarkdown(int requests, int rows, string mix, int instances)
    {
        var table = new StringBuilder();
        table.AppendLine("| figure | result | target | met |");
        table.AppendLine("|---|---|---|---|");
        void Row(string figure, string result, string target = "–", bool? met = null) =>
            table.AppendLine($"| {figure} | {result} | {target} | {(met is null ? "" : met.Value ? "✓" : "✗")} |");

        if (Broker is { } b)
        {
            Row($"Broker ceiling: confirmed publishes/s ({b.Publishers} publishers, {b.MessageBytes:N0} B persistent)", N(b.ConfirmedPerSecond));
            Row("Broker ceiling: consumed/s (every confirmed message consumed)", $"{N(b.ConsumedPerSecond)}{(b.AllConsumed ? "" : $" — only {b.Consumed:N0} of {b.Confirmed:N0}")}",
                "all consumed", b.AllConsumed);
        }
        if (Ingress is { } i)
        {
            Row($"Ingress: accepted POST /start per s ({i.Concurrency} connections, {i.Seconds:0.0} s)", N(i.AcceptedPerSecond), "≥ 3,000", i.AcceptedPerSecond >= 3000);
            Row("Ingress: latency p50 / p95 / p99", $"{Ms(i.Latency.P50)} / {Ms(i.Latency.P95)} / {Ms(i.Latency.P99)}", "p99 < 100 ms", i.Latency.P99 < 100);
            Row("Ingress: non-2xx / client errors / timeouts", $"{i.Non2xx:N0} / {i.ClientErrors:N0} / {i.Timeouts:N0}", "0", i.Non2xx + i.ClientErrors + i.Timeouts == 0);
            Row("Ingress: accepted requests that reached Twilio (with the one warm-up request)", $"{i.ReachedTwilio:N0} of {i.Integrity.Requests:N0}", "all", i.Integrity.Clean);
        }
        if (EndToEnd is { } e)
        {
            Row($"End to end: requests/s, first 202 → last terminal status ({e.Accepted:N0} requests, {mix})",
                $"{N(e.RequestsPerSecond)}{(e.AllTerminal ? "" : $" ({e.WaitEnding})")}");
            Row("End to end: 202 → Twilio accepted (emulator date_created), p50 / p99", $"{Ms(e.AcceptToTwilio.P50)} / {Ms(e.AcceptToTwilio.P99)}");
            Row($"End to end: sms delivered/s ({e.SmsDelivered:N0} sms)", N(e.SmsDeliveredPerSecond), "≥ 1,000", e.SmsDeliveredPerSecond >= 1000);
            Row($"End to end: calls placed/s, phone + wvoice ({e.CallsPlaced:N0} calls)", N(e.CallsPlacedPerSecond), "≥ 300", e.CallsPlacedPerSecond >= 300);
        }
        if (EndToEndToBrokerRatio is { } ratio)
            Row("End to end ÷ broker ceiling (requests/s ÷ consumed/s)", ratio.ToString("P1", En), "≥ 25 %", ratio >= 0.25);
        if (EndToEnd is { } f)
            Row("End to end: lost / duplicated / mismatched statuses", $"{f.Integrity.Lost:N0} / {f.Integrity.Duplicated:N0} / {f.Integrity.Mismatched:N0}",
                "0 / 0 / 0", f.Integrity.Clean);
        if (Csv is { } c)
        {
            Row($"CSV batch of {c.Rows:N0} rows: 202 after", $"{c.SecondsTo202:0.0} s", "≤ 5 s", c.SecondsTo202 <= 5);
            Row("CSV batch: every row at Twilio after", c.SecondsToAllAtTwilio is { } s ? $"{s:0.0} s{(c.AllAtTwilio ? "" : $" ({c.WaitEnding})")}" : c.WaitEnding,
                "≤ 120 s", c.AllAtTwilio && c.SecondsToAllAtTwilio <= 120);
            Row("CSV batch: lost / duplicated rows", $"{c.Integrity.Lost:N0} / {c.Integrity.Duplicated:N0}", "0 / 0", c.Integrity.Clean);
        }
        foreach (var p in Memory ?? [])
        {
            var isEmulator = p.Name.StartsWith("emulator", StringComparison.Ordinal);
            Row($"Peak resident memory{(Csv is null ? " (whole run)" : " during the CSV batch")}, {p.Name}", $"{p.PeakKb / 1024.0:N0} MB",
                isEmulator ? "– (test double)" : "≤ 300 MB", isEmulator ? null : p.PeakKb <= MemoryTargetKb);
        }
        return table.ToString();
    }

    public string Notes()
    {
        var notes = new StringBuilder();
        if (EnvelopeNote is not null) notes.AppendLine($"- {EnvelopeNote}");
        if (Ingress is { } i && i.ByStatus.Count > 1)
            notes.AppendLine($"- Ingress answers: {string.Join(", ", i.ByStatus.OrderBy(s => s.Key).Select(s => $"{Status(s.Key)} × {s.Value:N0}"))}");
        if (EndToEnd is { } e)
        {
            notes.AppendLine($"- End to end: {e.Accepted:N0} of {e.Requests:N0} accepted ({string.Join(", ", e.ByChannel.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value:N0}"))}), sent in {e.SendSeconds:0.0} s; {e.WaitEnding}.");
            notes.AppendLine($"- End to end, final statuses in call_logs: {string.Join(", ", e.FinalStatuses.Select(s => $"{s.Key} × {s.Value:N0}"))}");
            if (e.Integrity.MismatchKinds.Count > 0)
                notes.AppendLine($"- Mismatches (call_logs ≠ Twilio): {string.Join(", ", e.Integrity.MismatchKinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} × {k.Value:N0}"))}");
            if (e.FailedCallbacks.Count > 0)
                notes.AppendLine($"- Webhooks the emulator sent that were not answered 2xx: {string.Join(", ", e.FailedCallbacks.OrderByDescending(k => k.Value).Select(k => $"{k.Key} × {k.Value:N0}"))}");
            if (e.Integrity.SentDespiteRefusal > 0)
                notes.AppendLine($"- {e.Integrity.SentDespiteRefusal:N0} requests answered 4xx/5xx were sent anyway.");
        }
        foreach (var example in (EndToEnd?.Integrity.Examples ?? []).Concat(Ingress?.Integrity.Examples ?? []).Concat(Csv?.Integrity.Examples ?? []).Take(10))
            notes.AppendLine($"  - e.g. {example}");
        if (Csv is { } c && c.RefusedBeforeTwilio > 0)
            notes.AppendLine($"- CSV: {c.RefusedBeforeTwilio:N0} rows refused before Twilio (see their error_code in call_logs).");
        if (Memory?.Any(m => !m.PeakWasReset) == true)
            notes.AppendLine("- Some peaks could not be reset at the start of the CSV batch (/proc/pid/clear_refs): those are whole-run peaks.");
        foreach (var (phase, uses) in Cpu)
        {
            var aventora = uses.Where(u => u.Part is "ingress" || u.Part.StartsWith("dispatcher", StringComparison.Ordinal)
                || u.Part.StartsWith("messaging", StringComparison.Ordinal) || u.Part.StartsWith("voice", StringComparison.Ordinal)).Sum(u => u.Seconds);
            notes.AppendLine($"- CPU seconds during {phase}: Aventora's services {aventora:0.0}, " +
                             string.Join(", ", uses.Where(u => u.Seconds > 0).Select(u => $"{u.Part} {u.Seconds:0.0}")) + ".");
        }
        foreach (var failure in IntegrityFailures) notes.AppendLine($"- INTEGRITY: {failure}");
        foreach (var error in PhaseErrors) notes.AppendLine($"- NOT MEASURED: {error}");
        return notes.ToString();
    }

    private static string Status(int status) => status switch
    {
        StartOutcome.ClientError => "client error",
        StartOutcome.Timeout => "timeout",
        _ => status.ToString(En),
    };

    private static string N(double? value) => value is { } v ? v.ToString(v >= 100 ? "N0" : "N1", En) : "n/a";
    private static string Ms(double? value) => value is { } v ? $"{v.ToString(v >= 10 ? "N0" : "N1", En)} ms" : "n/a";
}
