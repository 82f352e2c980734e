using Aventora.Contracts.StatusWebhooks;
using Aventora.Domains.StatusWebhooks;
using Aventora.Persistence.StatusWebhooks;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

/// <summary>
/// Hands due status-webhook deliveries to the broker. The triggers write each event in the same transaction as the status
/// change; this relay leases the due ones (their time has come and every earlier event of the request is settled) and publishes
/// <see cref="StatusWebhookDue"/>. A lost publish, or a consumer that died mid-delivery, only lets the lease run out: the next
/// round publishes it again, so every event is delivered at least once.
/// </summary>
public sealed class StatusWebhookRelay(
    StatusWebhookDeliveryRepository deliveries, IBus bus, IOptionsMonitor<StatusWebhookOptions> options, ILogger<StatusWebhookRelay> logger)
    : BackgroundService
{
    private const int Batch = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                // The lease covers the POST's timeout and the time the message may wait on the broker.
                var due = await deliveries.LeaseDueAsync(Batch, options.CurrentValue.Timeout + TimeSpan.FromMinutes(1), stoppingToken);
                foreach (var id in due)
                {
                    await bus.Publish(new StatusWebhookDue { DeliveryId = id }, stoppingToken);
                    published++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Status-webhook relay round failed ({Reason}); leased deliveries go out once their lease runs out", e.GetType().Name);
            }
            if (published < Batch) await Task.Delay(options.CurrentValue.RelayInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
