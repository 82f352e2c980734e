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
    IPublishEndpoint publish, IOptions<RabbitMqOptions> options, AventoraMetrics metrics, ILogger<ConfirmedPublisher> logger)
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
}
