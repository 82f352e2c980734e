using Aventora.Billing.Usage;
using Aventora.Contracts;
using Aventora.Contracts.Messaging;
using Aventora.Conversations.Assistant;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.TwilioGateway;
using MassTransit;
using Twilio.Rest.Api.V2010.Account;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;

namespace Aventora.Messaging.Worker.Messaging;

/// <summary>
/// A person wrote: record it in their session's transcript, honour STOP/START/HELP, and answer on the channel they used.
/// Redelivery-safe: the person's message is recorded once (by its Twilio SID) and its reply is claimed once before it is sent.
/// </summary>
public sealed class InboundMessageReceivedConsumer(
    SmsSessionRepository sessions, ConversationTurnRepository turns, OptOutRepository optOuts, CallLogRepository callLogs,
    TwilioConfigProvider twilioConfigs, TwilioMessageSender sender, IAssistant assistant, RequestBilling billing, IOptions<ConversationOptions> options,
    ILogger<InboundMessageReceivedConsumer> logger) : IConsumer<InboundMessageReceived>
{
    public async Task Consume(ConsumeContext<InboundMessageReceived> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        var session = await sessions.FindAsync(message.DomainName, message.Channel, message.From, ct) ?? await StartSessionAsync(message, ct);
        var requestId = session.RequestId!.Value;
        using var _ = Serilog.Context.LogContext.PushProperty("RequestId", requestId);

        await turns.TryRecordPersonAsync(requestId, message.Body, message.MessageSid, ct);
        await sessions.RecordInboundAsync(session.Id, message.ReceivedAt, ct);

        // Twilio's rule: STOP to a number blocks that number for the person, whichever domains send from it (message.To is ours).
        var optedOut = await optOuts.IsOptedOutAsync(message.DomainName, message.From, message.To, ct);
        if (Keywords.Is(Keywords.Stop, message.Body))
        {
            await optOuts.OptOutAsync(message.DomainName, message.From, message.To, OptOutRepository.Keyword, ct);
            await sessions.SetStateAsync(session.Id, "closed", ct);
            logger.LogInformation("{Channel} number opted out of domain {DomainName} and of sender {SenderNumber}", message.Channel, message.DomainName, message.To);
            return;
        }
        if (Keywords.Is(Keywords.Start, message.Body) || (optedOut && Keywords.Is(Keywords.StartWhenOptedOut, message.Body)))
        {
            await optOuts.OptInAsync(message.DomainName, message.From, message.To, ct);
            logger.LogInformation("{Channel} number opted back in to domain {DomainName}", message.Channel, message.DomainName);
            await ReplyAsync(context, requestId, new AssistantReply(options.Value.StartMessage, false), ct);
            return;
        }
        if (optedOut)
        {
            logger.LogInformation("Message from an opted-out number recorded; no reply is sent");
            return;
        }
        if (Keywords.Is(Keywords.Help, message.Body))
        {
            await ReplyAsync(context, requestId, new AssistantReply(options.Value.HelpMessage, false), ct);
            return;
        }

        var brief = new ConversationBrief(message.DomainName, message.Channel, session.Type, session.Instruction, session.Name);
        var transcript = (await turns.ListAsync(requestId, ct)).Select(t => new Turn(t.Speaker, t.Text)).ToList();
        var reply = await assistant.ReplyAsync(brief, transcript, ct);
        await ReplyAsync(context, requestId, reply, ct);
        if (reply.EndsConversation) await sessions.SetStateAsync(session.Id, "closed", ct);
    }

    private async Task ReplyAsync(ConsumeContext<InboundMessageReceived> context, Guid requestId, AssistantReply reply, CancellationToken ct)
    {
        var message = context.Message;
        if (await turns.TryClaimAssistantAsync(requestId, reply.Text, message.MessageSid, ct) is not { } turn)
        {
            logger.LogInformation("Reply to {MessageSid} already sent; redelivery ignored", message.MessageSid);
            return;
        }
        // A reply costs what any message costs, and is held before it is sent, so a conversation never takes a domain below zero.
        var hold = UsageIds.ReplyHold(message.MessageSid);
        if (!await billing.TryHoldReplyAsync(hold, message.DomainName, message.Channel, ReplyType, ct))
        {
            await turns.ReleaseAsync(turn, ct); // nothing was said
            logger.LogWarning("No reply on {Channel}: domain {DomainName} has not the credits a reply costs", message.Channel, message.DomainName);
            return;
        }
        MessageResource sent;
        try
        {
            var config = await twilioConfigs.GetTwilioConfigAsync(message.DomainName, message.Channel, ct);
            if (config.Config is null)
            {
                await billing.ReleaseAsync(hold, ct);
                logger.LogWarning("Cannot reply: {FailureReason}", config.FailureReason);
                return;
            }
            sent = await sender.SendAsync(config.Config, message.Channel, message.From, reply.Text, null, null, requestId: null, message.DomainName);
        }
        catch (ApiException api) when (!TwilioFailure.IsTransient(api))
        {
            await billing.ReleaseAsync(hold, CancellationToken.None);
            logger.LogWarning("Twilio refused the reply: {FailureReason}", TwilioFailure.Permanent(api).Message);
            return;
        }
        catch (Exception e) when (e is ApiException { Status: not 429 } or HttpRequestException or TaskCanceledException or TimeoutException)
        {
            // Twilio may have sent it: the reply's turn stays claimed, so it is never sent twice; with no SID it cannot be billed,
            // so its hold goes back rather than stay held for good.
            await billing.ReleaseAsync(hold, CancellationToken.None);
            logger.LogWarning("The reply's outcome is unknown ({Reason}); it is not sent again", e.GetType().Name);
            return;
        }
        catch
        {
            // Nothing reached Twilio (throttled, or the metadata source was away): the retry may send, under the same hold.
            await turns.ReleaseAsync(turn, CancellationToken.None);
            throw;
        }

        await turns.SetTwilioSidAsync(turn, sent.Sid, ct);
        await billing.MessageSentAsync(context, requestId, message.DomainName, message.Channel, ReplyType, sent.Sid, ct, holdId: hold);
        logger.LogInformation("Replied on {Channel} with message {MessageSid}", message.Channel, sent.Sid);
    }

    private const string ReplyType = "reply";

    // A first contact: the person wrote before we did. Their conversation is logged like a request of its own.
    private async Task<SmsSession> StartSessionAsync(InboundMessageReceived message, CancellationToken ct)
    {
        var requestId = MassTransit.NewId.NextGuid();
        await callLogs.TryInsertAsync(new CallLog
        {
            Id = requestId, DomainName = message.DomainName, Channel = message.Channel, PhoneNumber = message.From,
            Type = "inbound", Instruction = "Answer the person who wrote in.", Source = "inbound", Status = CallLogStatus.Inbound,
        }, ct);
        await sessions.OpenForRequestAsync(message.DomainName, message.Channel, message.From, message.To, requestId,
            "inbound", "Answer the person who wrote in.", null, ct);
        return (await sessions.FindAsync(message.DomainName, message.Channel, message.From, ct))!;
    }
}
