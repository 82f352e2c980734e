using Aventora.Persistence.Conversations;
using Aventora.Billing.Usage;
using Aventora.Contracts.Messaging;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;
using Aventora.Outbound.Status;

namespace Aventora.Messaging.Worker.Status;

/// <summary>
/// Follows a message's delivery as Twilio reports it: queued → sent → delivered → read (WhatsApp), or failed/undelivered
/// with a readable reason, which also gives back any credits the request still holds. Reports come in bursts (three or four per
/// message), so they are taken in batches (the <c>Batching</c> section) and applied in one statement per round
/// (<see cref="CallLogStatusRepository.ApplyToRequestsAsync"/>), each to the request its callback URL names, even if the
/// worker has not recorded the SID yet; the row only moves forwards, so a late or redelivered report changes nothing, and
/// releasing twice releases once. A failed batch is retried whole with backoff (a database outage), which changes nothing twice.
/// </summary>
public sealed class MessageStatusReportedConsumer(
    CallLogStatusRepository statuses, RequestBilling billing, OptOutRepository optOuts, ILogger<MessageStatusReportedConsumer> logger)
    : IConsumer<Batch<MessageStatusReported>>
{
    public Task Consume(ConsumeContext<Batch<MessageStatusReported>> context) =>
        statuses.ApplyAsync(context.Message, r => new ReportOrigin(r.RequestId, r.DomainName, r.Channel), Read,
            (message, report, applied) => FollowAsync(message.Message, report.Status, applied, context.CancellationToken), context.CancellationToken);

    private StatusReport? Read(MessageStatusReported report)
    {
        var status = report.Status.ToLowerInvariant();
        if (CallLogLifecycle.MessageStatuses.Contains(status)) return Reported(report, status);
        logger.LogWarning("Message {MessageSid}: status {Status} ignored (not a message status)", report.MessageSid, report.Status);
        return null;
    }

    private static StatusReport Reported(MessageStatusReported report, string status)
    {
        var failed = status is "failed" or "undelivered";
        return new StatusReport(report.MessageSid, status,
            failed ? TwilioDeliveryErrors.Code(report.ErrorCode ?? status) : null,
            failed ? TwilioDeliveryErrors.Describe(status, report.ErrorCode) : null,
            DurationSeconds: null);
    }

    // What follows from a report once applied: the log line, the credits a failure gives back, an unsubscribe's opt-out.
    private async Task FollowAsync(MessageStatusReported report, string status, StatusApplied? applied, CancellationToken ct)
    {
        if (applied is null)
        {
            logger.LogDebug("Message {MessageSid}: {Status} is not about a request (an assistant reply, or unknown)", report.MessageSid, status);
            return;
        }
        logger.LogInformation(applied.Moved ? "Message {MessageSid} is now {Status}" : "Message {MessageSid}: {Status} is late or repeated; status kept",
            report.MessageSid, status);

        // Opening messages are billed when Twilio accepts them, so this gives back only what a usage has not settled yet.
        if (status is "failed" or "undelivered") await billing.ReleaseAsync(applied.Id, ct);
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
