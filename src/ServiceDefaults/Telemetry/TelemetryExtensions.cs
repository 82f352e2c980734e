using Aventora.ServiceDefaults.Deployment;
using Aventora.ServiceDefaults.Metrics;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Aventora.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry for every host: traces across HTTP in, MassTransit publish and consume (its own ActivitySource), Npgsql and
/// HTTP out (Twilio, the status webhooks), with the request id and domain as span attributes; metrics from the same sources
/// plus Aventora's own, served to Prometheus at <c>/metrics</c>. OTLP export only when an endpoint is configured.
/// </summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddOptions<TelemetryOptions>().Bind(builder.Configuration.GetSection(TelemetryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.AddSingleton(new ServiceIdentity(serviceName));
        builder.Services.AddSingleton<AventoraMetrics>();

        var endpoint = options.OtlpEndpoint ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceNamespace: "aventora"));
        if (options.TracesWith(endpoint))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(DiagnosticHeaders.DefaultListenerName) // "MassTransit": publish, send, receive, consume
                .AddAspNetCoreInstrumentation(http =>
                {
                    http.Filter = context => !IsOperational(context.Request.Path);
                    // Twilio's callbacks and TwiML fetches name the request and domain in their query (see StatusCallbackUrls).
                    http.EnrichWithHttpRequest = (activity, request) =>
                    {
                        if (Guid.TryParse(request.Query[StatusCallbackUrls.RequestIdParameter], out var id)) activity.SetTag(AventoraTelemetry.RequestIdAttribute, id.ToString());
                        if (request.Query[StatusCallbackUrls.DomainParameter].ToString() is { Length: > 0 } domain) activity.SetTag(AventoraTelemetry.DomainAttribute, domain);
                    };
                })
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        }
        telemetry
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(InstrumentationOptions.MeterName) // MassTransit: consume duration, faults, retries, in-flight
                    .AddMeter(AventoraMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (options.PrometheusEnabled) metrics.AddPrometheusExporter();
            });

        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            telemetry.UseOtlpExporter(options.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, new Uri(endpoint));
        }
        return builder;
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        if (app.Services.GetService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>()?.Value.PrometheusEnabled != false)
            app.MapPrometheusScrapingEndpoint(MetricsPath).ForManagement();
        return app;
    }

    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments(MetricsPath);
}
