using Aventora.Persistence.Conversations;
using Aventora.Billing.Usage;
using Aventora.Contracts.Messaging;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;

namespace Aventora.Messaging.Worker.Status;

/// <summary>
/// Follows a message's delivery as Twilio reports it: queued → sent → delivered → read (WhatsApp), or failed/undelivered
/// with a readable reason, which also gives back any credits the request still holds. The row only moves forwards,
/// so a late or redelivered report changes nothing; releasing twice releases once.
/// </summary>
public sealed class MessageStatusReportedConsumer(
    CallLogRepository callLogs, CallLogStatusRepository statuses, RequestBilling billing, OptOutRepository optOuts, ILogger<MessageStatusReportedConsumer> logger)
    : IConsumer<MessageStatusReported>
{
    public async Task Consume(ConsumeContext<MessageStatusReported> context)
    {
        var report = context.Message;
        var ct = context.CancellationToken;
        var status = report.Status.ToLowerInvariant();
        var log = await callLogs.FindByTwilioSidAsync(report.MessageSid, ct);
        if (log is null || !CallLogLifecycle.MessageStatuses.Contains(status))
        {
            logger.LogWarning("Message {MessageSid}: status {Status} ignored (unknown message or status)", report.MessageSid, report.Status);
            return;
        }

        var failed = status is "failed" or "undelivered";
        var moved = await statuses.TryAdvanceAsync(report.MessageSid, status,
            failed ? TwilioDeliveryErrors.Code(report.ErrorCode ?? status) : null,
            failed ? TwilioDeliveryErrors.Describe(status, report.ErrorCode) : null,
            durationSeconds: null, ct);
        logger.LogInformation(moved ? "Message {MessageSid} is now {Status}" : "Message {MessageSid}: {Status} is late or repeated; status kept",
            report.MessageSid, status);

        // Opening messages are billed when Twilio accepts them, so this gives back only what a usage has not settled yet.
        if (failed) await billing.ReleaseAsync(log.Id, ct);
        if (report.ErrorCode == TwilioFailure.Unsubscribed.ToString())
            await RecipientUnsubscribedAsync(log, ct);
    }

    /// <summary>Twilio says the recipient unsubscribed (21610): the number is to be opted out of the domain's messages.</summary>
    private async Task RecipientUnsubscribedAsync(CallLog log, CancellationToken cancellationToken)
    {
        await optOuts.OptOutAsync(log.DomainName, log.PhoneNumber, OptOutRepository.TwilioUnsubscribed, cancellationToken);
        logger.LogWarning("Recipient of request {RequestId} has unsubscribed from domain {DomainName}'s {Channel} messages (Twilio 21610): opted out",
            log.Id, log.DomainName, log.Channel);
    }
}
