using System.Text.Json;
using Aventora.Billing.Usage;
using Aventora.Outbound.Attempts;
using Aventora.Persistence.Batches;
using Aventora.Persistence.Campaigns;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Aventora.Outbound.Campaigns;

/// <summary>
/// What a worker checks before a request's send attempt: a message a scheduler released takes its hold (a second copy of the release
/// finds none and stops), and a batch row obeys its batch: paused, it waits in <c>outbound_holds</c> (status <c>paused</c>) until the
/// batch resumes; cancelled, it ends <c>cancelled</c> and its held credits go back. Rows already claimed are past this point.
/// </summary>
public sealed class CampaignGate(
    OutboundHoldRepository holds, BatchRepository batches, CallLogRepository callLogs, RequestBilling billing, TimeProvider clock,
    ILogger<CampaignGate> logger)
{
    public const string CancelledCode = "cancelled";

    /// <summary>True when the attempt may go on; false when the request now waits, ended, or this was a duplicate release.</summary>
    public async Task<bool> MayGoAsync<T>(ConsumeContext<T> context, Guid requestId, string? domainName, Guid? batchId, string holdKind)
        where T : class
    {
        var ct = context.CancellationToken;
        // A release whose hold is gone was taken already: by another copy of it (stop), or by this one on an earlier try that a
        // transient error (a 429, a database blip) sent back for a retry; the request then still waits to be sent, and goes on.
        // The claim before the create call keeps it to one send either way.
        if (OutboundLanes.IsRelease(context, holdKind) && !await holds.TakeAsync(requestId, CallLogStatus.Routed, ct)
            && (await callLogs.FindAsync(requestId, ct))?.Status is not (CallLogStatus.Routed or CallLogStatus.Received))
        {
            logger.LogInformation("Released request already taken on; duplicate release ignored");
            return false;
        }
        return await BatchAllowsAsync(context, requestId, domainName, batchId, holdKind, ct);
    }

    /// <summary>Whether the request's batch (if any) lets it go now; a paused batch's row is held, a cancelled batch's row ends.</summary>
    public async Task<bool> BatchAllowsAsync<T>(ConsumeContext<T> context, Guid requestId, string? domainName, Guid? batchId, string holdKind,
        CancellationToken ct) where T : class
    {
        if (batchId is not { } batch) return true;
        switch (await batches.ControlOfAsync(batch, ct))
        {
            case BatchControl.Paused:
                var held = await holds.HoldAsync(new OutboundHold
                {
                    RequestId = requestId, DomainName = domainName, BatchId = batch, MessageKind = holdKind,
                    Message = JsonSerializer.Serialize(context.Message), DueAt = clock.GetUtcNow(), Reason = HoldReasons.BatchPaused,
                }, [CallLogStatus.Routed], CallLogStatus.Paused, ct);
                if (held) logger.LogInformation("Batch {BatchId} is paused: the request waits until it resumes", batch);
                return !held; // not held: an earlier delivery already claimed it, which the attempt recognises
            case BatchControl.Cancelled:
                if (await callLogs.TryEndAsync(requestId, [CallLogStatus.Received, CallLogStatus.Routed], CallLogStatus.Cancelled, CancelledCode,
                        BatchCancelledReason, ct))
                {
                    await billing.ReleaseAsync(requestId, ct);
                    logger.LogInformation("Batch {BatchId} was cancelled: the request ends unsent", batch);
                    return false;
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// The controls a consumer hands its attempt: the batch check after a wait, and parking for the sender's pace, which holds
    /// <paramref name="withSlot"/>'s message (the command carrying its slot) in the schedule until just before that slot.
    /// </summary>
    public AttemptControls ControlsFor<T>(ConsumeContext<T> context, Guid requestId, string? domainName, Guid? batchId, string holdKind,
        Func<DateTimeOffset, T> withSlot) where T : class =>
        new(ct => BatchAllowsAsync(context, requestId, domainName, batchId, holdKind, ct),
            (slotAt, releaseAt, ct) => ParkAsync(withSlot(slotAt), requestId, domainName, batchId, holdKind, slotAt, releaseAt, ct));

    private async Task ParkAsync<T>(T message, Guid requestId, string? domainName, Guid? batchId, string holdKind,
        DateTimeOffset slotAt, DateTimeOffset releaseAt, CancellationToken ct) where T : class
    {
        var parked = await holds.HoldAsync(new OutboundHold
        {
            RequestId = requestId, DomainName = domainName, BatchId = batchId, MessageKind = holdKind,
            Message = JsonSerializer.Serialize(message), DueAt = releaseAt, Reason = HoldReasons.SenderPace,
        }, ParkableFrom, CallLogStatus.Scheduled, ct);
        if (parked) logger.LogInformation("Parked until its sender's slot at {SlotAt:O} (released at {ReleaseAt:O})", slotAt, releaseAt);
        else logger.LogInformation("Not parked: the request is no longer waiting to be sent");
    }

    // The dispatcher marks a request routed after it has published its command, so the worker may find it still received.
    private static readonly string[] ParkableFrom = [CallLogStatus.Received, CallLogStatus.Routed];

    public const string BatchCancelledReason = "The batch was cancelled before this row was sent; nothing was sent or charged.";
}
