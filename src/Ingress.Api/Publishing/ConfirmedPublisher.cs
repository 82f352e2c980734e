using Aventora.Contracts.Outbound;
using Aventora.ServiceDefaults.Messaging;
using Aventora.ServiceDefaults.Metrics;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Publishing;

/// <summary>
/// Publishes and waits for the broker's confirmation (MassTransit uses RabbitMQ publisher confirms), within a bounded time.
/// A caller answers 202 only after this returned true, and 503 when it returned false: never a 202 for a lost request.
/// </summary>
public sealed class ConfirmedPublisher(
    IPublishEndpoint publish, ISendEndpointProvider send, IOptions<RabbitMqOptions> options, AventoraMetrics metrics,
    ILogger<ConfirmedPublisher> logger)
{
    public async Task<bool> TryPublishAsync<T>(T message, CancellationToken cancellationToken) where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await publish.Publish(message, timeout.Token);
            if (message is OutboundRequested request) metrics.RequestAccepted(request.Channel, request.Source);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError("The broker did not confirm {MessageType} ({Reason})", typeof(T).Name, e.GetType().Name);
            return false;
        }
    }

    /// <summary>Sends to one queue (a lane such as the bulk lane) and waits for the broker's confirmation, as <see cref="TryPublishAsync{T}"/>.</summary>
    public async Task<bool> TrySendAsync<T>(string queue, T message, CancellationToken cancellationToken) where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            var endpoint = await send.GetSendEndpoint(OutboundLanes.Queue(queue));
            await endpoint.Send(message, timeout.Token);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError("The broker did not confirm {MessageType} to {Queue} ({Reason})", typeof(T).Name, queue, e.GetType().Name);
            return false;
        }
    }
}
