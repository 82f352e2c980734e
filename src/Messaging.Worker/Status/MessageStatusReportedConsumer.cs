using Aventora.Persistence.Conversations;
using Aventora.Billing.Usage;
using Aventora.Contracts.Messaging;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;

namespace Aventora.Messaging.Worker.Status;

/// <summary>
/// Follows a message's delivery as Twilio reports it: queued → sent → delivered → read (WhatsApp), or failed/undelivered
/// with a readable reason, which also gives back any credits the request still holds. The report is applied to the request its
/// callback URL names, in one statement, even if the worker has not recorded the SID yet; the row only moves forwards, so a late
/// or redelivered report changes nothing, and releasing twice releases once. A database outage is retried with backoff.
/// </summary>
public sealed class MessageStatusReportedConsumer(
    CallLogStatusRepository statuses, RequestBilling billing, OptOutRepository optOuts, ILogger<MessageStatusReportedConsumer> logger)
    : IConsumer<MessageStatusReported>
{
    public async Task Consume(ConsumeContext<MessageStatusReported> context)
    {
        var report = context.Message;
        var ct = context.CancellationToken;
        var status = report.Status.ToLowerInvariant();
        if (!CallLogLifecycle.MessageStatuses.Contains(status))
        {
            logger.LogWarning("Message {MessageSid}: status {Status} ignored (not a message status)", report.MessageSid, report.Status);
            return;
        }

        var failed = status is "failed" or "undelivered";
        var applied = await statuses.ApplyAsync(report.RequestId, report.DomainName, report.Channel, new StatusReport(report.MessageSid, status,
            failed ? TwilioDeliveryErrors.Code(report.ErrorCode ?? status) : null,
            failed ? TwilioDeliveryErrors.Describe(status, report.ErrorCode) : null,
            DurationSeconds: null), ct);
        if (applied is null)
        {
            logger.LogDebug("Message {MessageSid}: {Status} is not about a request (an assistant reply, or unknown)", report.MessageSid, status);
            return;
        }
        logger.LogInformation(applied.Moved ? "Message {MessageSid} is now {Status}" : "Message {MessageSid}: {Status} is late or repeated; status kept",
            report.MessageSid, status);

        // Opening messages are billed when Twilio accepts them, so this gives back only what a usage has not settled yet.
        if (failed) await billing.ReleaseAsync(applied.Id, ct);
        if (report.ErrorCode == TwilioFailure.Unsubscribed.ToString())
            await RecipientUnsubscribedAsync(applied, ct);
    }

    /// <summary>Twilio says the recipient unsubscribed (21610): opted out of the domain's messages and of the number it was sent from.</summary>
    private async Task RecipientUnsubscribedAsync(StatusApplied request, CancellationToken cancellationToken)
    {
        await optOuts.OptOutOfRequestAsync(request.Id, OptOutRepository.TwilioUnsubscribed, cancellationToken);
        logger.LogWarning("Recipient of request {RequestId} has unsubscribed from domain {DomainName}'s {Channel} messages (Twilio 21610): opted out",
            request.Id, request.DomainName, request.Channel);
    }
}
