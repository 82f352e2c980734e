using Aventora.ServiceDefaults.Metrics;
using Aventora.ServiceDefaults.Messaging;
using Aventora.Billing.Credits;
using Aventora.Contracts.Billing;
using MassTransit;
using SerilogLogContext = Serilog.Context.LogContext;

namespace Aventora.Dispatcher.Worker.Billing;

/// <summary>
/// Writes each billable act to the domain's credit ledger, once: the usage id is unique in the ledger, so a redelivered or
/// duplicated event changes nothing. Writing it settles the credits the Dispatcher reserved for the request. Usages come in
/// bursts (one per message Twilio accepted), so they are taken in batches and each batch is
/// written in one round trip that locks each domain's account once (<see cref="BatchingOptions"/>); a failed batch is retried whole, which the unique usage id
/// makes safe.
/// </summary>
public sealed class UsageRecordedConsumer(CreditRepository credits, AventoraMetrics metrics, ILogger<UsageRecordedConsumer> logger)
    : IConsumer<Batch<UsageRecorded>>
{
    public async Task Consume(ConsumeContext<Batch<UsageRecorded>> context)
    {
        var usages = context.Message.Select(m => m.Message).ToArray();
        var written = new HashSet<Guid>(await credits.RecordUsagesAsync(usages, context.CancellationToken));
        foreach (var usage in usages)
        {
            using var _ = SerilogLogContext.PushProperty("RequestId", usage.RequestId);
            if (written.Remove(usage.UsageId))
            {
                metrics.CreditsCharged(usage.Channel, usage.Credits);
                logger.LogInformation("Billed {Credits} credits to domain {DomainName} for {Kind} {TwilioSid} of request {RequestId} (usage {UsageId})",
                    usage.Credits, usage.DomainName, usage.Kind, usage.TwilioSid, usage.RequestId, usage.UsageId);
            }
            else
                logger.LogInformation("Usage {UsageId} of request {RequestId} already billed; duplicate ignored", usage.UsageId, usage.RequestId);
        }
    }
}
