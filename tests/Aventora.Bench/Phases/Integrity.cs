using Aventora.Bench.Observe;

namespace Aventora.Bench.Phases;

/// <summary>
/// Did every request reach Twilio exactly once, and does the system's final word on it match Twilio's? Counted per
/// recipient (each request has its own number) against the emulator's records, which are what Twilio would bill.
/// </summary>
public sealed record Integrity(
    int Requests, int Lost, int Duplicated, int Mismatched, int SentDespiteRefusal,
    IReadOnlyDictionary<string, int> MismatchKinds, IReadOnlyList<string> Examples)
{
    /// <summary>A request answered 4xx/5xx must not have been sent: a client would retry it and reach the person twice.</summary>
    public bool Clean => Lost == 0 && Duplicated == 0 && Mismatched == 0 && SentDespiteRefusal == 0;

    /// <param name="accepted">The numbers Ingress answered 202 for.</param>
    /// <param name="unanswered">Numbers whose request got no clear answer (timeout, error): they may or may not have been sent, but never twice.</param>
    /// <param name="rows">The system's rows by number; null checks only "exactly once".</param>
    /// <param name="refusedOnPurpose">Rows the system rightly kept from Twilio (e.g. a WhatsApp row outside the window): neither lost nor mismatched.</param>
    // A call Twilio completed with an application error (11xxx/12xxx: its TwiML could not be fetched or run) is recorded failed
    // with that error and not billed as connected (issue 11): the same outcome, in Aventora's words.
    private static bool SameOutcome(CallLogRow row, CreatedAtTwilio record) =>
        record.Status == "completed" && record.ErrorCode is ['1', '1' or '2', _, _, _] && row.Status == "failed" && row.ErrorCode == $"twilio_{record.ErrorCode}";

    public static Integrity Check(
        IReadOnlyCollection<string> accepted, IReadOnlyCollection<string> unanswered, IReadOnlyList<CreatedAtTwilio> created,
        IReadOnlyDictionary<string, CallLogRow>? rows, Func<CallLogRow, bool>? refusedOnPurpose = null)
    {
        var byNumber = created.GroupBy(c => c.To).ToDictionary(g => g.Key, g => g.ToList());
        int lost = 0, duplicated = 0, mismatched = 0;
        var kinds = new Dictionary<string, int>();
        var examples = new List<string>();
        void Note(string kind, string example)
        {
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            if (examples.Count < 10) examples.Add(example);
        }

        foreach (var number in accepted)
        {
            var row = rows?.GetValueOrDefault(number);
            var records = byNumber.GetValueOrDefault(number) ?? [];
            if (records.Count > 1)
            {
                duplicated++;
                if (examples.Count < 10) examples.Add($"{number}: created {records.Count} times at Twilio ({string.Join(", ", records.Select(r => r.Sid))})");
                continue;
            }
            if (records.Count == 0)
            {
                if (row is not null && refusedOnPurpose?.Invoke(row) == true) continue;
                lost++;
                if (examples.Count < 10) examples.Add($"{number}: accepted, never created at Twilio (call_logs: {row?.Status ?? "no row"} {row?.ErrorCode})");
                continue;
            }
            if (rows is null) continue;
            var record = records[0];
            if (row is null) { mismatched++; Note("no row → " + record.Status, $"{number}: at Twilio ({record.Status}) but no call_logs row"); continue; }
            if (row.TwilioSid != record.Sid)
            {
                mismatched++;
                Note("sid differs", $"{number}: call_logs holds SID {row.TwilioSid ?? "none"}, Twilio created {record.Sid}");
                continue;
            }
            if (row.Status != record.Status && !SameOutcome(row, record))
            {
                mismatched++;
                Note($"{row.Status} ≠ {record.Status}", $"{number} ({row.Channel}): call_logs says {row.Status}, Twilio says {record.Status}");
            }
        }
        foreach (var number in unanswered)
        {
            var count = byNumber.GetValueOrDefault(number)?.Count ?? 0;
            if (count > 1) { duplicated++; if (examples.Count < 10) examples.Add($"{number}: no clear answer, yet created {count} times"); }
        }
        var acceptedSet = accepted.Concat(unanswered).ToHashSet();
        var stray = byNumber.Keys.Count(n => !acceptedSet.Contains(n));
        return new Integrity(accepted.Count, lost, duplicated, mismatched, stray, kinds, examples);
    }
}
