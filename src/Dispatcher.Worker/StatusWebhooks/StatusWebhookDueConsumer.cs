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
/// never go to MassTransit's retry or error queue. Fair shares: a domain already POSTing its share here
/// (<see cref="StatusWebhookShares"/>), or an endpoint whose circuit is open (<see cref="StatusWebhookBreaker"/>), does not wait
/// in the consumer's slot: the delivery is put back, due again later, and that is not counted as an attempt.
/// </summary>
public sealed class StatusWebhookDueConsumer(
    StatusWebhookDeliveryRepository deliveries, StatusWebhookRepository webhooks, StatusWebhookSender sender, StatusWebhookShares shares,
    StatusWebhookBreaker breaker, IOptionsMonitor<StatusWebhookOptions> options, TimeProvider clock, AventoraMetrics metrics,
    ILogger<StatusWebhookDueConsumer> logger)
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

        var tenant = delivery.DomainId?.ToString() ?? delivery.DomainName;
        using var slot = shares.TryTake(tenant);
        if (slot is null)
        {
            var jitter = options.CurrentValue.OverShareRetryAfter * Random.Shared.NextDouble() / 2; // the put-back ones do not all come back at once
            await PutBackAsync(delivery, clock.GetUtcNow() + options.CurrentValue.OverShareRetryAfter + jitter, null, "over_share", ct);
            return;
        }
        var endpoint = StatusWebhookBreaker.Key(tenant, webhook.Url);
        if (breaker.RefusedUntil(endpoint) is { } until)
        {
            await PutBackAsync(delivery, until, CircuitOpen(until), "circuit_open", ct);
            return;
        }

        var outcome = await sender.PostAsync(webhook, delivery, ct);
        if (outcome.Delivered)
        {
            breaker.Succeeded(endpoint);
            await deliveries.MarkDeliveredAsync(delivery.Id, outcome.StatusCode!.Value, ct);
            metrics.StatusWebhookDelivery("delivered");
            logger.LogInformation("Delivered status event {Sequence} of request {RequestId} to domain {DomainName} ({StatusCode})",
                delivery.Sequence, delivery.RequestId, delivery.DomainName, outcome.StatusCode);
            return;
        }

        if (breaker.Failed(endpoint) is { } openUntil)
            logger.LogWarning("The status webhook endpoint of domain {DomainName} (host {EndpointHost}) failed {Failures} times in a row: not called until {OpenUntil:O}",
                delivery.DomainName, new Uri(webhook.Url).Host, options.CurrentValue.BreakAfterFailures, openUntil);
        var now = clock.GetUtcNow();
        var next = now + options.CurrentValue.RetryDelay(delivery.Attempts + 1);
        var giveUp = PastGiveUp(delivery, next);
        await deliveries.MarkAttemptFailedAsync(delivery.Id, outcome.StatusCode, outcome.Error!, giveUp ? null : next, ct);
        metrics.StatusWebhookDelivery(giveUp ? "given_up" : "retrying");
        logger.LogWarning("Status event {Sequence} of request {RequestId} for domain {DomainName} not delivered ({Error}); {Next}",
            delivery.Sequence, delivery.RequestId, delivery.DomainName, outcome.Error, giveUp ? "given up" : $"next try at {next:O}");
    }

    /// <summary>Due again at <paramref name="next"/> without an attempt, or given up if that is past the event's give-up time.</summary>
    private async Task PutBackAsync(StatusWebhookDeliveryRow delivery, DateTimeOffset next, string? reason, string why, CancellationToken ct)
    {
        var giveUp = PastGiveUp(delivery, next);
        await deliveries.PutBackAsync(delivery.Id, giveUp ? null : next, reason, ct);
        metrics.StatusWebhookDelivery(giveUp ? "given_up" : why);
        logger.LogDebug("Status event {Sequence} of request {RequestId} for domain {DomainName} put back ({Why}); {Next}",
            delivery.Sequence, delivery.RequestId, delivery.DomainName, why, giveUp ? "given up" : $"due again at {next:O}");
    }

    private bool PastGiveUp(StatusWebhookDeliveryRow delivery, DateTimeOffset next) =>
        next - new DateTimeOffset(DateTime.SpecifyKind(delivery.CreatedAt, DateTimeKind.Utc)) > options.CurrentValue.GiveUpAfter;

    private string CircuitOpen(DateTimeOffset until) =>
        $"Not sent: the endpoint failed {options.CurrentValue.BreakAfterFailures} times in a row, so deliveries to it pause until {until:yyyy-MM-ddTHH:mm:ssZ} " +
        "(then one is tried; a success resumes the rest). Check that the endpoint answers 2xx in time.";
}
