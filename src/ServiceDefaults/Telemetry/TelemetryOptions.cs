using System.ComponentModel.DataAnnotations;

namespace Aventora.ServiceDefaults.Telemetry;

/// <summary>
/// Binds the <c>Telemetry</c> section. Traces and metrics are exported over OTLP only when an endpoint is configured here or in
/// the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>; otherwise nothing leaves the process (Prometheus scrapes <c>/metrics</c>).
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>The OTLP collector, e.g. http://localhost:4317 (gRPC) or http://localhost:4318 (with <see cref="OtlpProtocol"/> http/protobuf).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>
    /// <c>auto</c> (default): spans are recorded only when an OTLP endpoint is configured, since nothing else reads them and every
    /// request, message and statement would pay for them; <c>on</c>: always (for an in-process listener, as the tests use);
    /// <c>off</c>: never, even with an endpoint (metrics still go).
    /// </summary>
    public string Tracing { get; set; } = "auto";

    public bool TracesWith(string? endpoint) => Tracing == "on" || (Tracing == "auto" && !string.IsNullOrWhiteSpace(endpoint));

    /// <summary>Serve Prometheus' <c>/metrics</c> (on by default).</summary>
    public bool PrometheusEnabled { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(OtlpEndpoint) && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            yield return new ValidationResult($"Telemetry:OtlpEndpoint must be an absolute http(s) URL, not '{OtlpEndpoint}'.");
        if (Tracing is not ("auto" or "on" or "off"))
            yield return new ValidationResult("Telemetry:Tracing must be 'auto', 'on' or 'off'.");
        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
            yield return new ValidationResult("Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf'.");
    }
}
