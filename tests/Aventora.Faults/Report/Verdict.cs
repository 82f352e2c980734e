using Aventora.Faults.Load;
using Aventora.Faults.Observe;

namespace Aventora.Faults.Report;

/// <summary>One request the verdict found wrong, with what the database and the emulator each said.</summary>
public sealed record Finding(string Kind, Guid RequestId, string Detail);

/// <summary>
/// What the emulator really created set against what the database believes, per accepted request. The suite passes only when
/// duplicates, unresolved, mismatched, unbilled, double-billed, over-billed and held are all 0.
/// </summary>
public sealed record Verdict(
    int Accepted, int Rejected, int Creations, int MaxSendsPerRequest, int Duplicates, int MaxSendsPerPerson, int OrphanCreations,
    int Unresolved, int Mismatched, int OutcomeUnknown, int OutcomeUnknownCreated, int AnswerFaulted,
    long ShouldBeBilled, long Charged, long Unbilled, long OverBilled, int DoubleBilled, int Held, AccountTotals Totals,
    IReadOnlyDictionary<string, int> StatusCounts, IReadOnlyList<Finding> Findings)
{
    private static readonly HashSet<string> Final = ["completed", "busy", "no-answer", "canceled", "undelivered", "failed", "insufficient_credits", "opted_out"];
    private static readonly HashSet<string> Unsent = ["failed", "insufficient_credits", "opted_out"];

    public bool Passed => Duplicates == 0 && MaxSendsPerPerson <= 1 && OrphanCreations == 0 && Unresolved == 0 && Mismatched == 0
        && Unbilled == 0 && OverBilled == 0 && DoubleBilled == 0 && Held == 0 && Totals.Balance == Totals.LedgerSum && Totals.Reserved == Totals.HeldSum;

    /// <summary>Nothing left to wait for: every request resolved, every creation settled, nothing held, everything agreeing.</summary>
    public bool Settled(IReadOnlyList<Creation> creations) => Unresolved == 0 && Mismatched == 0 && Held == 0 && Unbilled == 0 && creations.All(c => c.IsSettled);

    public static bool IsResolved(RequestRow row) =>
        Final.Contains(row.Status) || (row.Channel is "sms" or "wmsg" && row.Status is "delivered" or "read");

    public static Verdict Of(IReadOnlyList<Submission> submissions, IReadOnlyList<Creation> creations,
        IReadOnlyDictionary<Guid, RequestRow> rows, AccountTotals totals, Prices prices)
    {
        var accepted = submissions.Where(s => s.Accepted).ToDictionary(s => s.RequestId!.Value);
        var byRequest = creations.Where(c => c.RequestId is not null).ToLookup(c => c.RequestId!.Value);
        var findings = new List<Finding>();
        int unresolved = 0, mismatched = 0, outcomeUnknown = 0, outcomeUnknownCreated = 0, doubleBilled = 0, held = 0;
        long shouldBeBilled = 0, charged = 0, unbilled = 0, overBilled = 0;
        var statusCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);

        foreach (var (id, submission) in accepted)
        {
            var made = byRequest[id].ToList();
            var row = rows.GetValueOrDefault(id);
            if (made.Count > 1)
                findings.Add(new Finding("duplicate", id, $"{made.Count} creations: {string.Join(", ", made.Select(c => $"{c.Sid} ({c.AnswerFault ?? "answered"})"))}"));
            if (row is null)
            {
                unresolved++;
                findings.Add(new Finding("unresolved", id, $"no call_logs row; emulator: {Describe(made)}"));
                statusCounts["(no row)"] = statusCounts.GetValueOrDefault("(no row)") + 1;
                continue;
            }
            var label = row.ErrorCode is null ? row.Status : $"{row.Status} ({row.ErrorCode})";
            statusCounts[label] = statusCounts.GetValueOrDefault(label) + 1;

            if (!IsResolved(row))
            {
                unresolved++;
                findings.Add(new Finding("unresolved", id, $"{row.Channel} status {row.Status}, sid {row.TwilioSid ?? "none"}; emulator: {Describe(made)}"));
            }
            if (row.ErrorCode == "outcome_unknown")
            {
                outcomeUnknown++;
                if (made.Count > 0) outcomeUnknownCreated++;
            }

            var mine = made.FirstOrDefault(c => c.Sid == row.TwilioSid) ?? made.FirstOrDefault();
            string? mismatch = mine is null
                ? Unsent.Contains(row.Status) && row.TwilioSid is null ? null : $"database says {row.Status} (sid {row.TwilioSid ?? "none"}) but the emulator created nothing"
                : row.TwilioSid != mine.Sid ? $"database sid {row.TwilioSid ?? "none"} ({label}), emulator created {mine.Sid} ({mine.Status}, {mine.AnswerFault ?? "answered"})"
                : row.Status != mine.ExpectedStatus ? $"database says {label}, emulator says {mine.Status} for {mine.Sid} ({mine.AnswerFault ?? "answered"})"
                : null;
            if (mismatch is not null && IsResolved(row))
            {
                mismatched++;
                findings.Add(new Finding("mismatched", id, $"{row.Channel}: {mismatch}"));
            }

            var expected = made.Sum(c => c.IsCall
                ? c.Status == "completed" && c.Duration > 0 && !c.IsApplicationError ? prices.CallPrice(row.Type) : 0
                : c.Status is "failed" or "undelivered" ? 0 : prices.Message);
            shouldBeBilled += expected;
            charged += row.Charged;
            if (row.Charged < expected)
            {
                unbilled += expected - row.Charged;
                findings.Add(new Finding("unbilled", id, $"{row.Channel} {row.Status}: charged {row.Charged}, should be {expected} ({Describe(made)})"));
            }
            if (row.Charged > expected)
            {
                overBilled += row.Charged - expected;
                findings.Add(new Finding("over-billed", id, $"{row.Channel} {row.Status}: charged {row.Charged}, should be {expected} ({Describe(made)})"));
            }
            if (row.UsageEntries > Math.Max(1, made.Count))
            {
                doubleBilled++;
                findings.Add(new Finding("double-billed", id, $"{row.UsageEntries} usage entries for {made.Count} creation(s)"));
            }
            if (row.Reservation == "held")
            {
                held++;
                findings.Add(new Finding("held", id, $"{row.Channel} {label}: credits still held"));
            }
        }

        var perPerson = creations.GroupBy(c => c.To).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        var orphans = creations.Where(c => c.RequestId is null || !accepted.ContainsKey(c.RequestId.Value)).ToList();
        findings.AddRange(orphans.Take(20).Select(c => new Finding("orphan", c.RequestId ?? Guid.Empty, $"{c.Sid} to {c.To} belongs to no accepted request")));
        return new Verdict(
            accepted.Count, submissions.Count - accepted.Count, creations.Count,
            accepted.Keys.Select(id => byRequest[id].Count()).DefaultIfEmpty(0).Max(), accepted.Keys.Count(id => byRequest[id].Count() > 1),
            perPerson, orphans.Count, unresolved, mismatched, outcomeUnknown, outcomeUnknownCreated, creations.Count(c => c.AnswerFault is not null),
            shouldBeBilled, charged, unbilled, overBilled, doubleBilled, held, totals, statusCounts, findings);
    }

    private static string Describe(IReadOnlyList<Creation> made) => made.Count == 0
        ? "nothing created"
        : string.Join(", ", made.Select(c => $"{c.Sid} {c.Status}{(c.Duration is { } d ? $" {d}s" : "")}{(c.AnswerFault is { } f ? $" after-create {f}" : "")}"));
}
