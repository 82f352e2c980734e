using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Dispatcher.Worker.Billing;
using Aventora.Dispatcher.Worker.Scheduling;
using Aventora.Persistence.Campaigns;
using Aventora.ServiceDefaults.Messaging;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using MassTransit;

namespace Aventora.Dispatcher.Worker.Routing;

/// <summary>
/// Decides what happens to a request: records it (its id is the request id, so a redelivery is recognised), checks that
/// the domain and channel have Twilio credentials and that the domain can pay (its price is reserved), and hands it to
/// Messaging.Worker or Voice.Worker, in the lane it came in (batch rows in the bulk lane). Before that, a request whose time has not
/// come (send_at, the recipient's quiet hours) or whose batch is paused waits in the schedule (<see cref="CampaignRules"/>); the
/// schedule releases it later as the same message, marked released, and it comes through here again.
/// </summary>
public sealed class OutboundRequestedConsumer(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, CreditCheck creditCheck, CampaignRules campaign,
    OutboundHoldRepository holds, ILogger<OutboundRequestedConsumer> logger)
    : IConsumer<OutboundRequested>
{
    public async Task Consume(ConsumeContext<OutboundRequested> context)
    {
        var request = context.Message;
        var ct = context.CancellationToken;
        // A released hold: take it (back to "received"); a second copy of the release finds nothing to take.
        if (OutboundLanes.IsRelease(context, HoldKinds.OutboundRequested) && !await holds.TakeAsync(request.RequestId, CallLogStatus.Received, ct))
        {
            logger.LogInformation("Released request already taken on; duplicate release ignored");
            return;
        }
        // The sender number comes from the cached config, so the opt-out check below covers Twilio's rule (STOP blocks a number).
        var config = await twilioConfigs.GetTwilioConfigAsync(request.DomainName, request.Channel, ct);
        // One round trip records the request (its id makes a redelivery recognisable) and reads where it stands.
        var (status, optedOut) = await callLogs.InsertAndReadAsync(new CallLog
        {
            Id = request.RequestId,
            DomainName = request.DomainName,
            Channel = request.Channel,
            PhoneNumber = request.PhoneNumber,
            Type = request.Type,
            Instruction = request.Instruction,
            Name = request.Name,
            Email = request.Email,
            Source = request.Source,
            Status = CallLogStatus.Received,
            BatchId = request.BatchId,
            LineNumber = request.LineNumber,
            SendAt = request.SendAt?.ToUniversalTime(),
        }, config.Config?.FromNumber, ct);

        // Only a request still at "received" is routed; anything further along was routed by an earlier delivery.
        if (status != CallLogStatus.Received)
        {
            logger.LogInformation("Request already dispatched (status {Status}); redelivery ignored", status);
            return;
        }

        if (!await campaign.MayGoAsync(request, ct)) return;

        if (optedOut)
        {
            await callLogs.RecordFailureAsync(request.RequestId, CallLogStatus.OptedOut, CallLogStatus.OptedOut,
                $"{request.PhoneNumber} has opted out (STOP) of messages from {request.DomainName ?? "requests without a domain"} or from its sender number " +
                $"{config.Config?.FromNumber}; nothing is sent until they reply START to that number.", ct);
            logger.LogInformation("Request refused: the number has opted out");
            return;
        }

        if (config.Config is null)
        {
            logger.LogWarning("Request failed: {FailureCode} {FailureReason}", config.FailureCode, config.FailureReason);
            await callLogs.RecordFailureAsync(request.RequestId, CallLogStatus.Failed, config.FailureCode!, config.FailureReason!, ct);
            return;
        }

        if (await creditCheck.TryReserveAsync(request, ct) is { } unpaid)
        {
            logger.LogWarning("Request refused: {FailureCode} {FailureReason}", CreditCheck.InsufficientCredits, unpaid);
            await callLogs.RecordFailureAsync(request.RequestId, CallLogStatus.InsufficientCredits, CreditCheck.InsufficientCredits, unpaid, ct);
            return;
        }

        await Route(context, request);
        await callLogs.TryMoveAsync(request.RequestId, [CallLogStatus.Received], CallLogStatus.Routed, ct);
        logger.LogInformation("Routed {Channel} request to {Worker}", request.Channel, IsCall(request.Channel) ? "Voice.Worker" : "Messaging.Worker");
    }

    private static bool IsCall(string channel) => channel is Channels.Phone or Channels.WhatsAppVoice;

    private static Task Route(ConsumeContext context, OutboundRequested request) => IsCall(request.Channel)
        ? Deliver(context, new PlaceCall
        {
            RequestId = request.RequestId, DomainName = request.DomainName, Channel = request.Channel,
            PhoneNumber = request.PhoneNumber, Type = request.Type, Instruction = request.Instruction, Name = request.Name,
            BatchId = request.BatchId,
        }, request.BatchId, OutboundLanes.PlaceCallBulk)
        : Deliver(context, new SendMessage
        {
            RequestId = request.RequestId, DomainName = request.DomainName, Channel = request.Channel,
            PhoneNumber = request.PhoneNumber, Type = request.Type, Instruction = request.Instruction, Name = request.Name,
            ContentSid = request.ContentSid, ContentVariables = request.ContentVariables, BatchId = request.BatchId,
        }, request.BatchId, OutboundLanes.SendMessageBulk);

    // Batch rows stay in the bulk lane, so that they never queue in front of another domain's single request.
    private static async Task Deliver<T>(ConsumeContext context, T command, Guid? batchId, string bulkQueue) where T : class
    {
        if (!OutboundLanes.IsBulk(batchId))
        {
            await context.Publish(command);
            return;
        }
        var endpoint = await context.GetSendEndpoint(OutboundLanes.Queue(bulkQueue));
        await endpoint.Send(command, context.CancellationToken);
    }
}

/// <summary>The bulk lane's consumer (batch rows, queue <c>outbound-requested-bulk</c>): the same decisions, apart from interactive requests.</summary>
public sealed class BulkOutboundRequestedConsumer(OutboundRequestedConsumer consumer) : IConsumer<OutboundRequested>
{
    public Task Consume(ConsumeContext<OutboundRequested> context) => consumer.Consume(context);
}
