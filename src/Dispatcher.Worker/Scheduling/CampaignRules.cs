using System.Text.Json;
using Aventora.Contracts.Outbound;
using Aventora.Domains.Campaigns;
using Aventora.Domains.Metadata;
using Aventora.Persistence.Batches;
using Aventora.Persistence.Campaigns;
using Aventora.Persistence.CallLogs;

namespace Aventora.Dispatcher.Worker.Scheduling;

/// <summary>
/// What the dispatcher checks before a new (or released) request goes on: its batch (cancelled: it ends; paused: it waits), its
/// <c>send_at</c>, and the domain's sending window in the recipient's local time (quiet hours). A request that must wait is held in
/// <c>outbound_holds</c> with status <c>scheduled</c> (or <c>paused</c>) and reserves no credits until it goes.
/// </summary>
public sealed class CampaignRules(
    OutboundHoldRepository holds, BatchRepository batches, CallLogRepository callLogs, DomainMetadataCache metadata, TimeProvider clock,
    ILogger<CampaignRules> logger)
{
    /// <summary>True when the request may go on now; false when it now waits or ended.</summary>
    public async Task<bool> MayGoAsync(OutboundRequested request, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (request.BatchId is { } batch)
        {
            var control = await batches.ControlOfAsync(batch, ct);
            if (control == BatchControl.Cancelled)
            {
                await callLogs.TryEndAsync(request.RequestId, [CallLogStatus.Received], CallLogStatus.Cancelled, "cancelled",
                    "The batch was cancelled before this row was sent; nothing was sent or charged.", ct);
                logger.LogInformation("Batch {BatchId} was cancelled: the request ends unsent", batch);
                return false;
            }
            if (control == BatchControl.Paused) return !await HoldAsync(request, now, HoldReasons.BatchPaused, CallLogStatus.Paused, ct);
        }

        if (request.SendAt is { } sendAt && sendAt > now)
            return !await HoldAsync(request, sendAt, HoldReasons.SendAt, CallLogStatus.Scheduled, ct);

        var settings = string.IsNullOrWhiteSpace(request.DomainName)
            ? CampaignSettings.None
            : CampaignSettings.From(await metadata.GetDomainMetadataAsync(request.DomainName, ct));
        // Ingress refuses ignore_quiet_hours for other types; checked again here, since the domain's settings may have changed since.
        var ignoresWindow = request.IgnoreQuietHours && settings.IsTransactional(request.Type);
        if (settings.HasWindow && !ignoresWindow
            && SendingWindow.NextOpening(now, request.PhoneNumber, settings.WindowStart!.Value, settings.WindowEnd!.Value) is { } opening)
        {
            logger.LogInformation("Outside the recipient's sending window: the request waits until {Opening:O}", opening);
            return !await HoldAsync(request, opening, HoldReasons.QuietHours, CallLogStatus.Scheduled, ct);
        }
        return true;
    }

    // Not held means the request is no longer at "received": an earlier delivery moved it on, so this one stops too.
    private async Task<bool> HoldAsync(OutboundRequested request, DateTimeOffset dueAt, string reason, string status, CancellationToken ct)
    {
        var held = await holds.HoldAsync(new OutboundHold
        {
            RequestId = request.RequestId, DomainName = request.DomainName, BatchId = request.BatchId, MessageKind = HoldKinds.OutboundRequested,
            Message = JsonSerializer.Serialize(request), DueAt = dueAt, Reason = reason,
        }, [CallLogStatus.Received], status, ct);
        if (held) logger.LogInformation("Request held ({HoldReason}) until {DueAt:O}", reason, dueAt);
        return true;
    }
}
