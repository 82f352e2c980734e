using Aventora.Contracts.StatusWebhooks;
using Aventora.Domains.StatusWebhooks;
using Aventora.Persistence.StatusWebhooks;
using Aventora.ServiceDefaults.Metrics;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

/// <summary>
/// POSTs one status event to its domain's endpoint, signed, and records the outcome: delivered on a 2xx; otherwise tried again
/// after an exponentially growing wait, and given up once <see cref="StatusWebhookOptions.GiveUpAfter"/> has passed since the event.
/// A redelivered message for a settled delivery changes nothing. The endpoint's failures are the customer's, not ours: they
/// never go to MassTransit's retry or error queue.
/// </summary>
public sealed class StatusWebhookDueConsumer(
    StatusWebhookDeliveryRepository deliveries, StatusWebhookRepository webhooks, StatusWebhookSender sender,
    IOptionsMonitor<StatusWebhookOptions> options, TimeProvider clock, AventoraMetrics metrics, ILogger<StatusWebhookDueConsumer> logger)
    : IConsumer<StatusWebhookDue>
{
    public async Task Consume(ConsumeContext<StatusWebhookDue> context)
    {
        var ct = context.CancellationToken;
        var delivery = await deliveries.FindAsync(context.Message.DeliveryId, ct);
        if (delivery is null || delivery.Status is "delivered" or "failed") return;

        // By the event's tenant (domain id), never by name alone: a deleted domain's events never reach the tenant that took its name.
        var webhook = await webhooks.FindForDeliveryAsync(delivery.Id, ct);
        if (webhook is null)
        {
            await deliveries.MarkAttemptFailedAsync(delivery.Id, null, "The domain has no status webhook any more (or was deleted).", null, ct);
            return;
        }

        var outcome = await sender.PostAsync(webhook, delivery, ct);
        if (outcome.Delivered)
        {
            await deliveries.MarkDeliveredAsync(delivery.Id, outcome.StatusCode!.Value, ct);
            metrics.StatusWebhookDelivery("delivered");
            logger.LogInformation("Delivered status event {Sequence} of request {RequestId} to domain {DomainName} ({StatusCode})",
                delivery.Sequence, delivery.RequestId, delivery.DomainName, outcome.StatusCode);
            return;
        }

        var now = clock.GetUtcNow();
        var next = now + options.CurrentValue.RetryDelay(delivery.Attempts + 1);
        var giveUp = next - new DateTimeOffset(DateTime.SpecifyKind(delivery.CreatedAt, DateTimeKind.Utc)) > options.CurrentValue.GiveUpAfter;
        await deliveries.MarkAttemptFailedAsync(delivery.Id, outcome.StatusCode, outcome.Error!, giveUp ? null : next, ct);
        metrics.StatusWebhookDelivery(giveUp ? "given_up" : "retrying");
        logger.LogWarning("Status event {Sequence} of request {RequestId} for domain {DomainName} not delivered ({Error}); {Next}",
            delivery.Sequence, delivery.RequestId, delivery.DomainName, outcome.Error, giveUp ? "given up" : $"next try at {next:O}");
    }
}
