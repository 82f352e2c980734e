using Aventora.Contracts.Messaging;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;

namespace Aventora.Messaging.Worker.Status;

/// <summary>
/// Follows a message's delivery as Twilio reports it: queued → sent → delivered → read (WhatsApp), or failed/undelivered
/// with a readable reason. The row only moves forwards, so a late or redelivered report changes nothing.
/// </summary>
public sealed class MessageStatusReportedConsumer(CallLogStatusRepository statuses, ILogger<MessageStatusReportedConsumer> logger)
    : IConsumer<MessageStatusReported>
{
    public async Task Consume(ConsumeContext<MessageStatusReported> context)
    {
        var report = context.Message;
        var status = report.Status.ToLowerInvariant();
        if (!CallLogLifecycle.MessageStatuses.Contains(status))
        {
            logger.LogWarning("Message {MessageSid}: unknown status {Status} ignored", report.MessageSid, report.Status);
            return;
        }

        var failed = status is "failed" or "undelivered";
        var moved = await statuses.TryAdvanceAsync(report.MessageSid, status,
            failed && report.ErrorCode is not null ? TwilioDeliveryErrors.Code(report.ErrorCode) : null,
            failed ? TwilioDeliveryErrors.Describe(status, report.ErrorCode) : null,
            durationSeconds: null, context.CancellationToken);
        logger.LogInformation(moved ? "Message {MessageSid} is now {Status}" : "Message {MessageSid}: {Status} is late or repeated; status kept",
            report.MessageSid, status);
    }
}
