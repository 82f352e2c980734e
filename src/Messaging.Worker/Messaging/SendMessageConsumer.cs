using Aventora.Billing.Usage;
using Aventora.Contracts.Outbound;
using Aventora.Conversations.Assistant;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults;
using Aventora.TwilioGateway;
using MassTransit;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.Messaging.Worker.Messaging;

/// <summary>
/// Sends a request's opening message (sms or wmsg) through the domain's Twilio account, exactly once: the request is
/// claimed before Twilio is called, so a redelivered or duplicated command finds it taken and sends nothing.
/// </summary>
public sealed class SendMessageConsumer(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, TwilioClientFactory twilio, IAssistant assistant,
    RequestBilling billing, IOptions<IngressOptions> ingress, ILogger<SendMessageConsumer> logger) : IConsumer<SendMessage>
{
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

            var options = new CreateMessageOptions(new PhoneNumber(TwilioAddress.For(command.Channel, command.PhoneNumber)))
            {
                From = new PhoneNumber(TwilioAddress.For(command.Channel, config.Config.FromNumber)),
                StatusCallback = ingress.Value.Url("/twilio/status/message"),
            };
            if (command.ContentSid is not null)
            {
                options.ContentSid = command.ContentSid;
                options.ContentVariables = command.ContentVariables;
            }
            else
            {
                var brief = new ConversationBrief(command.DomainName, command.Channel, command.Type, command.Instruction, command.Name);
                options.Body = (await assistant.OpenAsync(brief, ct)).Text;
            }

            var message = await MessageResource.CreateAsync(options, twilio.Create(config.Config));
            await callLogs.RecordTwilioAcceptedAsync(command.RequestId, message.Sid, message.Status.ToString(), ct);
            await billing.MessageSentAsync(context, command.RequestId, command.DomainName, command.Channel, command.Type, message.Sid, ct);
            logger.LogInformation("Twilio accepted {Channel} message {MessageSid} from account {AccountSid}", command.Channel, message.Sid, config.Config.AccountSid);
        }
        catch (ApiException api) when (!TwilioFailure.IsTransient(api))
        {
            var failure = TwilioFailure.Permanent(api);
            await callLogs.RecordFailureAsync(command.RequestId, CallLogStatus.Failed, failure.Code, failure.Message, ct);
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
