namespace Aventora.Bench.Load;

/// <summary>p50/p95/p99 in milliseconds by nearest rank; null when there is nothing to rank.</summary>
public sealed record Percentiles(double? P50, double? P95, double? P99, int Count)
{
    public static Percentiles Of(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Select(v => v.TotalMilliseconds).Order().ToArray();
        double? Rank(double p) => sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(Rank(0.50), Rank(0.95), Rank(0.99), sorted.Length);
    }
}
