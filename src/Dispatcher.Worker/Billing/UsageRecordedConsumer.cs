using Aventora.ServiceDefaults.Metrics;
using Aventora.Billing.Credits;
using Aventora.Contracts.Billing;
using MassTransit;

namespace Aventora.Dispatcher.Worker.Billing;

/// <summary>
/// Writes each billable act to the domain's credit ledger, once: the usage id is unique in the ledger, so a redelivered or
/// duplicated event changes nothing. Writing it settles the credits the Dispatcher reserved for the request.
/// </summary>
public sealed class UsageRecordedConsumer(CreditRepository credits, AventoraMetrics metrics, ILogger<UsageRecordedConsumer> logger) : IConsumer<UsageRecorded>
{
    public async Task Consume(ConsumeContext<UsageRecorded> context)
    {
        var usage = context.Message;
        if (await credits.RecordUsageAsync(usage, context.CancellationToken))
        {
            metrics.CreditsCharged(usage.Channel, usage.Credits);
            logger.LogInformation("Billed {Credits} credits to domain {DomainName} for {Kind} {TwilioSid} of request {RequestId} (usage {UsageId})",
                usage.Credits, usage.DomainName, usage.Kind, usage.TwilioSid, usage.RequestId, usage.UsageId);
        }
        else
            logger.LogInformation("Usage {UsageId} of request {RequestId} already billed; duplicate ignored", usage.UsageId, usage.RequestId);
    }
}
