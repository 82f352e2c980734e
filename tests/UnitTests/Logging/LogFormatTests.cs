using System.Diagnostics;
using System.Text.Json.Nodes;
using Aventora.ServiceDefaults.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Aventora.UnitTests.Logging;

public sealed class LogFormatTests
{
    private sealed class Collect : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];
        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    [Fact]
    public void Json_lines_are_compact_JSON_with_the_trace_and_span_of_the_line()
    {
        using var source = new ActivitySource("Aventora.UnitTests.Logging");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var sink = new Collect();
        using var logger = new LoggerConfiguration().Enrich.WithProperty("Service", "Test").WriteTo.Sink(sink).CreateLogger();

        using (var activity = source.StartActivity("work")!)
        {
            logger.Information("Accepted {Channel} request", "sms");
            var writer = new StringWriter();
            LogFormat.Formatter("json").Format(sink.Events.Single(), writer);
            var line = writer.ToString().TrimEnd();
            Assert.DoesNotContain('\n', line);
            var json = JsonNode.Parse(line)!.AsObject();
            Assert.Equal(activity.TraceId.ToHexString(), json["@tr"]!.GetValue<string>());
            Assert.Equal(activity.SpanId.ToHexString(), json["@sp"]!.GetValue<string>());
            Assert.Equal("sms", json["Channel"]!.GetValue<string>());
            Assert.Equal("Test", json["Service"]!.GetValue<string>());
        }
    }

    [Fact]
    public void An_unknown_format_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LogFormat.Formatter("xml"));
        Assert.Contains("Logging:Format", e.Message);
    }
}
