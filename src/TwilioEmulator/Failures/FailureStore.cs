using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Failures;

/// <summary>Scripted REST failures; the first matching rule wins and uses up one of its Times.</summary>
internal sealed class FailureStore
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _rules = [];

    private sealed class Entry(FailureRule rule)
    {
        public FailureRule Rule { get; } = rule;
        public int? Remaining { get; set; } = rule.Times;
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

    public FailureRule? Take(string? resource, string? to)
    {
        lock (_gate)
        {
            var entry = _rules.FirstOrDefault(r => Matches(r, resource, to));
            if (entry is null) return null;
            if (entry.Remaining is { } left)
            {
                entry.Remaining = left - 1;
                if (entry.Remaining <= 0) _rules.Remove(entry);
            }
            return entry.Rule;
        }
    }

    private static bool Matches(Entry entry, string? resource, string? to) =>
        (entry.Remaining is null || entry.Remaining > 0) &&
        (string.IsNullOrEmpty(entry.Rule.Resource) ||
         string.Equals(entry.Rule.Resource, resource, StringComparison.OrdinalIgnoreCase)) &&
        (string.IsNullOrEmpty(entry.Rule.To) || PhoneNumber.SameNumber(entry.Rule.To, to));
}
