using Aventora.Billing.Usage;
using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Conversations.Assistant;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.TwilioGateway;
using MassTransit;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;

namespace Aventora.Messaging.Worker.Messaging;

/// <summary>
/// Sends a request's opening message (sms or wmsg) through the domain's Twilio account, exactly once: the request is
/// claimed before Twilio is called, so a redelivered or duplicated command finds it taken and sends nothing.
/// A free-text WhatsApp message outside the 24-hour window is refused with a clear reason; a content template goes.
/// </summary>
public sealed class SendMessageConsumer(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, TwilioMessageSender sender, IAssistant assistant,
    SmsSessionRepository sessions, ConversationTurnRepository turns, OptOutRepository optOuts, RequestBilling billing,
    IOptions<ConversationOptions> conversation, ILogger<SendMessageConsumer> logger) : IConsumer<SendMessage>
{

    public static string WindowClosedReason(TimeSpan window) =>
        $"WhatsApp allows free-form messages only within {window.TotalHours:0} hours of the person's last message; send a content template (content_sid and content_variables) instead.";

    public async Task Consume(ConsumeContext<SendMessage> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        if (!await callLogs.TryMoveAsync(command.RequestId, [CallLogStatus.Received, CallLogStatus.Routed], CallLogStatus.Sending, ct))
        {
            logger.LogInformation("Message already sent or being sent; duplicate command ignored");
            return;
        }

        try
        {
            var config = await twilioConfigs.GetTwilioConfigAsync(command.DomainName, command.Channel, ct);
            if (config.Config is null)
            {
                await callLogs.RecordFailureAsync(command.RequestId, CallLogStatus.Failed, config.FailureCode!, config.FailureReason!, ct);
                await billing.ReleaseAsync(command.RequestId, ct);
                logger.LogWarning("Message not sent: {FailureReason}", config.FailureReason);
                return;
            }

            var session = await sessions.FindAsync(command.DomainName, command.Channel, command.PhoneNumber, ct);
            if (command.Channel == Channels.WhatsAppMessage && command.ContentSid is null
                && !(session?.LastInboundAt is { } last && DateTime.UtcNow - last.ToUniversalTime() < conversation.Value.WhatsAppWindow))
            {
                await callLogs.RecordFailureAsync(command.RequestId, CallLogStatus.Failed, TwilioFailure.WhatsAppWindowClosed, WindowClosedReason(conversation.Value.WhatsAppWindow), ct);
                await billing.ReleaseAsync(command.RequestId, ct);
                logger.LogWarning("WhatsApp free text refused: the person has not written within the window");
                return;
            }

            var text = command.ContentSid is null
                ? (await assistant.OpenAsync(new ConversationBrief(command.DomainName, command.Channel, command.Type, command.Instruction, command.Name), ct)).Text
                : $"[template {command.ContentSid} {command.ContentVariables}]";
            // The session exists before Twilio sends, so an immediate answer finds its conversation.
            await sessions.OpenForRequestAsync(command.DomainName, command.Channel, command.PhoneNumber, config.Config.FromNumber,
                command.RequestId, command.Type, command.Instruction, command.Name, ct);

            var message = await sender.SendAsync(config.Config, command.Channel, command.PhoneNumber,
                command.ContentSid is null ? text : null, command.ContentSid, command.ContentVariables);
            await callLogs.RecordTwilioAcceptedAsync(command.RequestId, message.Sid, message.Status.ToString(), ct);
            if (await turns.TryClaimAssistantAsync(command.RequestId, text, $"opening:{command.RequestId}", ct) is { } turn)
                await turns.SetTwilioSidAsync(turn, message.Sid, ct);
            await billing.MessageSentAsync(context, command.RequestId, command.DomainName, command.Channel, command.Type, message.Sid, ct);
            logger.LogInformation("Twilio accepted {Channel} message {MessageSid} from account {AccountSid}", command.Channel, message.Sid, config.Config.AccountSid);
        }
        catch (ApiException api) when (!TwilioFailure.IsTransient(api))
        {
            var failure = TwilioFailure.Permanent(api);
            if (api.Code == TwilioFailure.Unsubscribed)
                await optOuts.OptOutAsync(command.DomainName, command.PhoneNumber, OptOutRepository.TwilioUnsubscribed, ct);
            await callLogs.RecordFailureAsync(command.RequestId,
                api.Code == TwilioFailure.Unsubscribed ? CallLogStatus.OptedOut : CallLogStatus.Failed, failure.Code, failure.Message, ct);
            await billing.ReleaseAsync(command.RequestId, ct);
            logger.LogWarning("Twilio refused the message: {FailureReason}", failure.Message);
        }
        catch (Exception e)
        {
            // Transient (timeout, 429, 5xx, database or metadata source away): give the claim back so the retry can send.
            await callLogs.TryMoveAsync(command.RequestId, [CallLogStatus.Sending], CallLogStatus.Routed, CancellationToken.None);
            logger.LogWarning("Sending failed for now ({Reason}); it will be retried", e.GetType().Name);
            throw;
        }
    }
}
