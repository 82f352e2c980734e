using Aventora.Billing.Usage;
using Aventora.Contracts.Voice;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;
using Aventora.Outbound.Status;

namespace Aventora.Voice.Worker.Status;

/// <summary>
/// Follows a call as Twilio reports it: initiated → ringing → in-progress → completed (with its duration), or busy, no-answer,
/// failed, canceled with the reason. A call that connected is billed by its type; one that never did gives its reserved
/// credits back. A call that reports completed with a TwiML application error (11xxx, 12xxx: Twilio said "an application
/// error has occurred" and hung up) never connected in any sense a domain pays for: it is recorded failed with the error and
/// its credits go back. Billing follows the status the row settled at, so reports arriving in any order bill the same. The
/// report is applied to the request its callback URL names, even before the SID is recorded; the row
/// only moves forwards and the usage id comes from the CallSid, so a repeated report changes nothing. Reports come in bursts
/// (four or five per call): they are taken in batches (the <c>Batching</c> section) and applied in one statement per round.
/// </summary>
public sealed class CallStatusReportedConsumer(
    CallLogStatusRepository statuses, RequestBilling billing, ILogger<CallStatusReportedConsumer> logger)
    : IConsumer<Batch<CallStatusReported>>
{
    public Task Consume(ConsumeContext<Batch<CallStatusReported>> context) =>
        statuses.ApplyAsync(context.Message, r => new ReportOrigin(r.RequestId, r.DomainName, r.Channel), Read,
            (message, report, applied) => FollowAsync(message, report.Status, applied, context.CancellationToken), context.CancellationToken);

    private StatusReport? Read(CallStatusReported report)
    {
        var status = report.Status.ToLowerInvariant();
        if (status == "completed" && TwilioDeliveryErrors.IsApplicationError(report.ErrorCode)) status = "failed";
        if (CallLogLifecycle.CallStatuses.Contains(status)) return Reported(report, status);
        logger.LogWarning("Call {CallSid}: status {Status} ignored (not a call status)", report.CallSid, report.Status);
        return null;
    }

    private static StatusReport Reported(CallStatusReported report, string status)
    {
        var unanswered = status is "busy" or "no-answer" or "failed" or "canceled";
        return new StatusReport(report.CallSid, status,
            unanswered ? (report.ErrorCode is null ? status : TwilioDeliveryErrors.Code(report.ErrorCode)) : null,
            unanswered ? TwilioDeliveryErrors.Describe(status, report.ErrorCode, report.ErrorMessage) : null,
            CallLogLifecycle.IsFinal(status) ? report.DurationSeconds ?? 0 : null);
    }

    // What follows from a report once applied: the log line, and at a final status the call's bill or its credits given back.
    private async Task FollowAsync(ConsumeContext<CallStatusReported> context, string status, StatusApplied? applied, CancellationToken ct)
    {
        var report = context.Message;
        if (applied is null)
        {
            logger.LogWarning("Call {CallSid}: status {Status} ignored (not a known call)", report.CallSid, report.Status);
            return;
        }
        logger.LogInformation(applied.Moved ? "Call {CallSid} is now {Status}" : "Call {CallSid}: {Status} is late or repeated; status kept",
            report.CallSid, status);

        if (!CallLogLifecycle.IsFinal(status)) return;
        // Billed by what the row settled at, not by this report: a late or healed "completed" that finds the call already failed
        // (an application error reported first) moves nothing and must not charge it, and one that finds it completed bills once.
        if (applied.Status == "completed" && applied.DurationSeconds > 0)
            await billing.CallConnectedAsync(context, applied.Id, applied.DomainName, applied.Channel, applied.Type, report.CallSid, ct);
        else
            await billing.ReleaseAsync(applied.Id, ct);
    }
}
