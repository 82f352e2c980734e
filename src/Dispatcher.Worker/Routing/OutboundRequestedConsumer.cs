using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using MassTransit;

namespace Aventora.Dispatcher.Worker.Routing;

/// <summary>
/// Decides what happens to a request: records it (its id is the request id, so a redelivery is recognised), checks that
/// the domain and channel have Twilio credentials, and hands it to Messaging.Worker or Voice.Worker.
/// </summary>
public sealed class OutboundRequestedConsumer(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, ILogger<OutboundRequestedConsumer> logger)
    : IConsumer<OutboundRequested>
{
    public async Task Consume(ConsumeContext<OutboundRequested> context)
    {
        var request = context.Message;
        var ct = context.CancellationToken;
        await callLogs.TryInsertAsync(new CallLog
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
        }, ct);

        // Only a request still at "received" is routed; anything further along was routed by an earlier delivery.
        var log = await callLogs.FindAsync(request.RequestId, ct);
        if (log?.Status != CallLogStatus.Received)
        {
            logger.LogInformation("Request already dispatched (status {Status}); redelivery ignored", log?.Status);
            return;
        }

        var config = await twilioConfigs.GetTwilioConfigAsync(request.DomainName, request.Channel, ct);
        if (config.Config is null)
        {
            logger.LogWarning("Request failed: {FailureCode} {FailureReason}", config.FailureCode, config.FailureReason);
            await callLogs.RecordFailureAsync(request.RequestId, CallLogStatus.Failed, config.FailureCode!, config.FailureReason!, ct);
            return;
        }

        await Route(context, request);
        await callLogs.TryMoveAsync(request.RequestId, [CallLogStatus.Received], CallLogStatus.Routed, ct);
        logger.LogInformation("Routed {Channel} request to {Worker}", request.Channel, IsCall(request.Channel) ? "Voice.Worker" : "Messaging.Worker");
    }

    private static bool IsCall(string channel) => channel is Channels.Phone or Channels.WhatsAppVoice;

    private static Task Route(ConsumeContext context, OutboundRequested request) => IsCall(request.Channel)
        ? context.Publish(new PlaceCall
        {
            RequestId = request.RequestId, DomainName = request.DomainName, Channel = request.Channel,
            PhoneNumber = request.PhoneNumber, Type = request.Type, Instruction = request.Instruction, Name = request.Name,
        })
        : context.Publish(new SendMessage
        {
            RequestId = request.RequestId, DomainName = request.DomainName, Channel = request.Channel,
            PhoneNumber = request.PhoneNumber, Type = request.Type, Instruction = request.Instruction, Name = request.Name,
            ContentSid = request.ContentSid, ContentVariables = request.ContentVariables,
        });
}
