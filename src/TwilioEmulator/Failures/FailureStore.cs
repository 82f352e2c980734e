using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Failures;

/// <summary>
/// Scripted REST failures; the first rule that matches and selects the request wins and uses up one of its Times.
/// One lock: rules are few and the work under it is a short walk, so it costs nothing at load-test rates.
/// </summary>
internal sealed class FailureStore
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _rules = [];

    private sealed class Entry(FailureRule rule)
    {
        public FailureRule Rule { get; } = rule;
        public int? Remaining { get; set; } = rule.Times;
        public long Matched { get; set; }
        public Random? Dice { get; } = rule.Probability is not null ? new Random(rule.Seed ?? 0) : null;

        /// <summary>every_nth and probability pick some of the matching requests; a plain rule picks them all.</summary>
        public bool Selects()
        {
            Matched++;
            if (Rule.EveryNth is { } n) return Matched % n == 0;
            if (Dice is not null) return Dice.NextDouble() < Rule.Probability;
            return true;
        }
    }

    /// <summary>Why a rule cannot be used, in a sentence for the person who wrote it; null when it is fine.</summary>
    public static string? Problem(FailureRule rule)
    {
        if (rule.AfterCreate is { } fault && !FailureRule.AnswerFaults.Contains(fault))
            return $"after_create must be one of {string.Join(", ", FailureRule.AnswerFaults.Select(f => $"\"{f}\""))}, not \"{fault}\".";
        if (rule.EveryNth is < 1) return "every_nth must be 1 or more (1 means every matching request).";
        if (rule.Probability is < 0 or > 1) return "probability must be between 0 and 1.";
        if (rule.EveryNth is not null && rule.Probability is not null) return "Give every_nth or probability, not both.";
        if (rule.Method is { } method && method.ToUpperInvariant() is not ("GET" or "POST")) return "method must be GET or POST.";
        if (rule.Times is < 1) return "times must be 1 or more, or absent for forever.";
        if (rule.DelayMs is < 0) return "delay_ms cannot be negative.";
        return null;
    }

    public void Add(FailureRule rule)
    {
        lock (_gate) _rules.Add(new Entry(rule));
    }

    public void Clear()
    {
        lock (_gate) _rules.Clear();
    }

    public IReadOnlyList<FailureRule> List()
    {
        lock (_gate) return _rules.Select(r => r.Rule with { Times = r.Remaining }).ToList();
    }

    /// <param name="isCreate">A POST to a collection (Messages.json, Calls.json): only such requests meet after_create rules.</param>
    public FailureRule? Take(string method, string? resource, bool isCreate, string? to)
    {
        lock (_gate)
        {
            foreach (var entry in _rules)
            {
                if (!Matches(entry, method, resource, isCreate, to) || !entry.Selects()) continue;
                if (entry.Remaining is { } left)
                {
                    entry.Remaining = left - 1;
                    if (entry.Remaining <= 0) _rules.Remove(entry);
                }
                return entry.Rule;
            }
            return null;
        }
    }

    private static bool Matches(Entry entry, string method, string? resource, bool isCreate, string? to) =>
        (entry.Remaining is null || entry.Remaining > 0) &&
        (entry.Rule.AfterCreate is null || isCreate) &&
        (string.IsNullOrEmpty(entry.Rule.Method) || string.Equals(entry.Rule.Method, method, StringComparison.OrdinalIgnoreCase)) &&
        (string.IsNullOrEmpty(entry.Rule.Resource) ||
         string.Equals(entry.Rule.Resource, resource, StringComparison.OrdinalIgnoreCase)) &&
        (string.IsNullOrEmpty(entry.Rule.To) || PhoneNumber.SameNumber(entry.Rule.To, to));
}
