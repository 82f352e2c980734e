using System.Collections.Concurrent;
using System.Diagnostics;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>
/// The database commands run on behalf of one trace: start a trace (<see cref="Begin"/>; the requests sent under it carry it) and
/// read the Npgsql spans under it. Tells "this request asked the database" from everything else the run does at the
/// same time, without timing anything.
/// </summary>
public sealed class DatabaseSpans : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public DatabaseSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.Source.Name == "Npgsql") _spans.Enqueue(activity); },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivityTraceId Trace { get; } = ActivityTraceId.CreateRandom();

    /// <summary>Makes code run in this test (until disposed) part of <see cref="Trace"/>, HTTP requests it sends (traceparent) included.</summary>
    public Activity Begin() =>
        new Activity("test").SetParentId(Trace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start();

    /// <summary>The SQL of every command run in <see cref="Trace"/> so far.</summary>
    public IReadOnlyList<string> Statements =>
        _spans.Where(s => s.TraceId == Trace).Select(s => (s.GetTagItem("db.query.text") ?? s.GetTagItem("db.statement"))?.ToString() ?? "").ToList();

    public void Dispose() => _listener.Dispose();
}
