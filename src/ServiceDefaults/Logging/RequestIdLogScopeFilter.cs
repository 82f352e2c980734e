using System.Diagnostics;
using System.Reflection;
using Aventora.ServiceDefaults.Telemetry;
using MassTransit;
using SerilogLogContext = Serilog.Context.LogContext;

namespace Aventora.ServiceDefaults.Logging;

/// <summary>
/// Puts the message's <c>RequestId</c> on every log line written while it is consumed, and the request id, domain and this
/// service's name on the span that consumes it.
/// </summary>
public sealed class RequestIdLogScopeFilter<T>(ServiceIdentity service) : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly PropertyInfo? RequestIdProperty = typeof(T).GetProperty("RequestId");
    private static readonly PropertyInfo? DomainProperty = typeof(T).GetProperty("DomainName");
    private static readonly PropertyInfo? ChannelProperty = typeof(T).GetProperty("Channel");

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var requestId = RequestIdProperty?.GetValue(context.Message) ?? context.CorrelationId;
        Activity.Current?.SetTag(AventoraTelemetry.ServiceAttribute, service.Name);
        AventoraTelemetry.TagRequest(requestId as Guid?, DomainProperty?.GetValue(context.Message) as string, ChannelProperty?.GetValue(context.Message) as string);
        using (requestId is null ? null : SerilogLogContext.PushProperty("RequestId", requestId))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requestIdLogScope");
}
