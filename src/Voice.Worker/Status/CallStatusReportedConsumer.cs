using Aventora.Contracts.Voice;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;

namespace Aventora.Voice.Worker.Status;

/// <summary>
/// Follows a call as Twilio reports it: initiated → ringing → in-progress → completed (with its duration), or busy, no-answer,
/// failed, canceled with the reason. The row only moves forwards, so a late or redelivered report changes nothing.
/// </summary>
public sealed class CallStatusReportedConsumer(CallLogStatusRepository statuses, ILogger<CallStatusReportedConsumer> logger)
    : IConsumer<CallStatusReported>
{
    public async Task Consume(ConsumeContext<CallStatusReported> context)
    {
        var report = context.Message;
        var status = report.Status.ToLowerInvariant();
        if (!CallLogLifecycle.CallStatuses.Contains(status))
        {
            logger.LogWarning("Call {CallSid}: unknown status {Status} ignored", report.CallSid, report.Status);
            return;
        }

        var unanswered = status is "busy" or "no-answer" or "failed" or "canceled";
        var moved = await statuses.TryAdvanceAsync(report.CallSid, status,
            report.ErrorCode is not null ? TwilioDeliveryErrors.Code(report.ErrorCode) : unanswered ? status : null,
            unanswered ? TwilioDeliveryErrors.Describe(status, report.ErrorCode, report.ErrorMessage) : null,
            CallLogLifecycle.IsFinal(status) ? report.DurationSeconds ?? 0 : null, context.CancellationToken);
        logger.LogInformation(moved ? "Call {CallSid} is now {Status}" : "Call {CallSid}: {Status} is late or repeated; status kept",
            report.CallSid, status);
    }
}
