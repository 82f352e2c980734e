using System.Diagnostics;
using System.Reflection;
using Aventora.ServiceDefaults.Telemetry;
using MassTransit;
using SerilogLogContext = Serilog.Context.LogContext;

namespace Aventora.ServiceDefaults.Logging;

/// <summary>
/// Puts the message's <c>RequestId</c> on every log line written while it is consumed, and the request id, domain and this
/// service's name on the span that consumes it. A <see cref="Batch{T}"/> (many requests' messages at once) is tagged with its
/// request when all its messages are about one, else with every request it holds (<c>aventora.request_ids</c>); its consumer puts
/// each message's request id on the lines it writes about that message.
/// </summary>
public sealed class RequestIdLogScopeFilter<T>(ServiceIdentity service) : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly PropertyInfo? RequestIdProperty = typeof(T).GetProperty("RequestId");
    private static readonly PropertyInfo? DomainProperty = typeof(T).GetProperty("DomainName");
    private static readonly PropertyInfo? ChannelProperty = typeof(T).GetProperty("Channel");
    private static readonly BatchRequests? InBatch = BatchRequests.For(typeof(T));

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        Activity.Current?.SetTag(AventoraTelemetry.ServiceAttribute, service.Name);
        if (InBatch is not null)
        {
            if (Activity.Current is not null) InBatch.Tag(context.Message); // only when traced: it reads every message
            await next.Send(context);
            return;
        }
        var requestId = RequestIdProperty?.GetValue(context.Message) ?? context.CorrelationId;
        AventoraTelemetry.TagRequest(requestId as Guid?, DomainProperty?.GetValue(context.Message) as string, ChannelProperty?.GetValue(context.Message) as string);
        using (requestId is null ? null : SerilogLogContext.PushProperty("RequestId", requestId))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requestIdLogScope");

    /// <summary>Reads the request ids of a <see cref="Batch{T}"/>'s messages, for message types that carry one.</summary>
    private sealed class BatchRequests(PropertyInfo message, PropertyInfo requestId)
    {
        public static BatchRequests? For(Type type)
        {
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Batch<>)) return null;
            var item = type.GetGenericArguments()[0];
            return item.GetProperty("RequestId") is { } requestId
                ? new BatchRequests(typeof(ConsumeContext<>).MakeGenericType(item).GetProperty("Message")!, requestId)
                : null;
        }

        public void Tag(object batch)
        {
            var ids = ((System.Collections.IEnumerable)batch).Cast<object>()
                .Select(context => requestId.GetValue(message.GetValue(context)) as Guid?)
                .OfType<Guid>().Distinct().ToArray();
            if (ids.Length == 1) AventoraTelemetry.TagRequest(ids[0], null);
            else if (ids.Length > 1) Activity.Current?.SetTag(AventoraTelemetry.RequestIdsAttribute, ids.Select(id => id.ToString()).ToArray());
        }
    }
}
