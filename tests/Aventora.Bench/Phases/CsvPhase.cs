using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aventora.Bench.Load;
using Aventora.Bench.Observe;
using Aventora.Bench.Setup;

namespace Aventora.Bench.Phases;

public sealed record ProcessPeak(string Name, long PeakKb, long WholeRunPeakKb, bool PeakWasReset, long? RssAtEndKb);

public sealed record CsvResult(
    int Rows, long FileBytes, int HttpStatus, int AcceptedRows, int RejectedRows, double SecondsTo202,
    double? SecondsToAllAtTwilio, bool AllAtTwilio, string WaitEnding, long RefusedBeforeTwilio,
    IReadOnlyList<ProcessPeak> Memory, IReadOnlyList<MemorySample> MemorySeries,
    Integrity Integrity);

/// <summary>
/// One CSV batch of BENCH_ROWS rows, each to its own number, by the domain's own key: time to the 202, time until every
/// row was created at Twilio (the emulator's last date_created), and the peak resident memory of every process while
/// the batch went through (VmHWM, reset at the start of the phase, and sampled once a second).
/// </summary>
public sealed class CsvPhase(BenchSettings settings, BenchDomain domain, CallLogs callLogs, EmulatorRecords emulator, ProcessMemory memory)
{
    public async Task<CsvResult> RunAsync(Dictionary<string, long> wholeRunPeaks, CancellationToken ct)
    {
        var csv = Build(settings.Rows, settings.CsvChannels);
        var reset = memory.ResetPeaks();
        await using var sampler = new MemorySampler(memory);

        using var http = new HttpClient { BaseAddress = settings.IngressUrl, Timeout = settings.MaxWait };
        using var request = new HttpRequestMessage(HttpMethod.Post, "batches")
        {
            Content = new ByteArrayContent(csv) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } },
        };
        request.Headers.Add("X-Api-Key", domain.ApiKey);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, ct);
        var secondsTo202 = clock.Elapsed.TotalSeconds;
        var body = await response.Content.ReadAsStringAsync(ct);
        if ((int)response.StatusCode != 202)
            throw new InvalidOperationException($"POST /batches answered {(int)response.StatusCode}: {body}");
        using var answer = JsonDocument.Parse(body);
        var batchId = answer.RootElement.GetProperty("batch_id").GetGuid();
        var acceptedRows = answer.RootElement.GetProperty("accepted_count").GetInt32();
        var rejectedRows = answer.RootElement.GetProperty("rejected_count").GetInt32();
        Console.Error.WriteLine($"[bench] csv: 202 after {secondsTo202:0.0} s ({acceptedRows:N0} accepted, {rejectedRows:N0} rejected); waiting for every row to reach Twilio");

        var waited = await Waiting.UntilAsync(
            c => callLogs.ForBatchAsync(batchId, c),
            p => p.AtTwilio + p.RefusedBeforeTwilio >= acceptedRows,
            p => (p.Rows, p.AtTwilio, p.RefusedBeforeTwilio),
            p => $"{p.Rows:N0} recorded, {p.AtTwilio:N0} of {acceptedRows:N0} at Twilio",
            "csv", settings.MaxWait, settings.StallAfter, ct);
        await sampler.DisposeAsync();

        var now = memory.Read();
        var peaks = memory.Processes.Select(p =>
        {
            var read = now.GetValueOrDefault(p.Name);
            var peak = Math.Max(read?.PeakKb ?? 0, sampler.MaxRssKb.GetValueOrDefault(p.Name));
            return new ProcessPeak(p.Name, peak, Math.Max(peak, wholeRunPeaks.GetValueOrDefault(p.Name)), reset.GetValueOrDefault(p.Name), read?.RssKb);
        }).ToList();

        var created = (await emulator.MessagesAsync(ct)).Concat(await emulator.CallsAsync(ct))
            .Where(r => r.AccountSid == domain.AccountSid).ToList();
        var rows = (await callLogs.RowsAsync(domain.Name, ct)).GroupBy(r => r.PhoneNumber).ToDictionary(g => g.Key, g => g.First());
        // WhatsApp rows go only to people who wrote within 24 hours: refusing them is right, not a loss.
        var integrity = Integrity.Check(
            Enumerable.Range(0, acceptedRows + rejectedRows).Select(Recipients.Csv.For).Where(rows.ContainsKey).ToList(), [],
            created, rows: null, refusedOnPurpose: r => r.ErrorCode == "whatsapp_window_closed");
        var lastCreated = created.Count > 0 ? created.Max(c => c.DateCreated) : (DateTimeOffset?)null;
        return new CsvResult(
            settings.Rows, csv.Length, (int)response.StatusCode, acceptedRows, rejectedRows, secondsTo202,
            lastCreated is { } last ? (last - started).TotalSeconds : null, waited.Done && integrity.Lost == 0, waited.Ending,
            waited.Last.RefusedBeforeTwilio, peaks, sampler.Samples, integrity with { Lost = integrity.Lost + Math.Max(0, acceptedRows - rows.Count) });
    }

    /// <summary>The columns Aventora documents, one row per recipient, channels taken in turn.</summary>
    private static byte[] Build(int rows, IReadOnlyList<string> channels)
    {
        var text = new StringBuilder(rows * 110);
        text.Append("phone_number,name,email,instruction,call_type,channel\n");
        for (var i = 0; i < rows; i++)
            text.Append(Recipients.Csv.For(i)).Append(",Person ").Append(i).Append(",,\"Reminder ").Append(i)
                .Append(", for tomorrow at 10:00\",informational,").Append(channels[i % channels.Count]).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
