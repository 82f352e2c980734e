using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>Every log line of every in-process service, rendered with all its properties, so tests can read what a log would hold.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Emit(LogEvent logEvent)
    {
        var properties = string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}"));
        _lines.Enqueue($"{logEvent.Level} {logEvent.RenderMessage()} {properties} {logEvent.Exception}");
    }

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public string All => string.Join('\n', _lines);
}
