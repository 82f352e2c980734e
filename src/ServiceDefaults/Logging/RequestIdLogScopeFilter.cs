using System.Reflection;
using MassTransit;
using SerilogLogContext = Serilog.Context.LogContext;

namespace Aventora.ServiceDefaults.Logging;

/// <summary>Puts the message's <c>RequestId</c> on every log line written while it is consumed.</summary>
public sealed class RequestIdLogScopeFilter<T> : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly PropertyInfo? RequestIdProperty = typeof(T).GetProperty("RequestId");

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var requestId = RequestIdProperty?.GetValue(context.Message) ?? context.CorrelationId;
        using (requestId is null ? null : SerilogLogContext.PushProperty("RequestId", requestId))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requestIdLogScope");
}
