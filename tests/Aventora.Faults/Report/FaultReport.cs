using Aventora.Faults.Load;

namespace Aventora.Faults.Report;

/// <summary>The table scripts/faults.sh prints, and the findings behind any figure that is not 0.</summary>
public static class FaultReport
{
    public static void Print(Verdict v, IReadOnlyList<Submission> submissions, TimeSpan elapsed, TextWriter output)
    {
        void Row(string what, object value, string note = "") => output.WriteLine($"| {what,-44} | {value,12} | {note}");
        output.WriteLine();
        output.WriteLine($"| {"fault suite",-44} | {"",12} |");
        output.WriteLine($"|{new string('-', 46)}|{new string('-', 14)}|");
        Row("requests planned", submissions.Count);
        Row("requests accepted (202)", v.Accepted, $"{v.Rejected} not accepted");
        Row("POST /start answered 503 (retried)", submissions.Sum(s => s.Refusals503));
        Row("POST /start answers lost (retried)", submissions.Sum(s => s.LostAnswers));
        Row("creations at the emulator", v.Creations, $"{v.AnswerFaulted} of them answered with a fault after creation");
        Row("sends per request, maximum", v.MaxSendsPerRequest, "must be 1");
        Row("requests sent more than once (duplicates)", v.Duplicates, "must be 0");
        Row("sends per person, maximum", v.MaxSendsPerPerson, "must be 1 (one recipient per request)");
        Row("creations of no accepted request", v.OrphanCreations, "must be 0");
        Row("requests never resolved", v.Unresolved, "must be 0");
        Row("statuses differing from the emulator's", v.Mismatched, "must be 0");
        Row("failed outcome_unknown (resolved)", v.OutcomeUnknown, $"{v.OutcomeUnknownCreated} of them were created (counted as mismatched)");
        Row("credits that should be billed", v.ShouldBeBilled, "3 per message created, a call's type price if it connected");
        Row("credits charged", v.Charged);
        Row("unbilled credits", v.Unbilled, "must be 0");
        Row("over-billed credits", v.OverBilled, "must be 0");
        Row("requests billed twice", v.DoubleBilled, "must be 0");
        Row("reservations still held", v.Held, "must be 0");
        Row("balance = sum of ledger", v.Totals.Balance == v.Totals.LedgerSum ? "yes" : "NO", $"{v.Totals.Balance} vs {v.Totals.LedgerSum}");
        Row("reserved = sum of held reservations", v.Totals.Reserved == v.Totals.HeldSum ? "yes" : "NO", $"{v.Totals.Reserved} vs {v.Totals.HeldSum}");
        Row("elapsed", $"{elapsed.TotalSeconds:F0} s");
        output.WriteLine();
        output.WriteLine("final statuses: " + string.Join(", ", v.StatusCounts.Select(s => $"{s.Key} {s.Value}")));
        foreach (var group in v.Findings.GroupBy(f => f.Kind))
        {
            output.WriteLine($"{group.Key} ({group.Count()}):");
            foreach (var f in group.Take(15)) output.WriteLine($"  {f.RequestId} {f.Detail}");
        }
        foreach (var rejected in submissions.Where(s => !s.Accepted).Take(5))
            output.WriteLine($"not accepted: request {rejected.Request.Index} ({rejected.Request.Channel}): {rejected.RejectedBecause}");
    }
}
