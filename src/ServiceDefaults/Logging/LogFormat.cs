using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Aventora.ServiceDefaults.Logging;

/// <summary>
/// <c>Logging:Format</c>: <c>text</c> (default, for people) or <c>json</c> (for machines: one compact JSON object per line,
/// CLEF, with <c>@tr</c> and <c>@sp</c>, the trace and span id of the span the line was written in).
/// </summary>
public static class LogFormat
{
    public const string Setting = "Logging:Format";
    public const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Service} {RequestId} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static ITextFormatter Formatter(string? format) => (format ?? "text") switch
    {
        "text" => new MessageTemplateTextFormatter(TextTemplate),
        "json" => new CompactJsonFormatter(),
        _ => throw new InvalidOperationException($"{Setting} must be 'text' or 'json', not '{format}'."),
    };
}
