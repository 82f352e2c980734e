using Aventora.Billing.Usage;
using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Conversations.Assistant;
using Aventora.Domains.Credentials;
using Aventora.Outbound.Attempts;
using Aventora.Outbound.Campaigns;
using Aventora.Persistence.Campaigns;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.TwilioGateway;
using MassTransit;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;

namespace Aventora.Messaging.Worker.Messaging;

/// <summary>
/// Sends a request's opening message (sms or wmsg) through the domain's Twilio account, at most once: <see cref="OutboundAttempt"/>
/// claims the request before Twilio is called and never resends once Twilio may have created the message.
/// A free-text WhatsApp message outside the 24-hour window is refused with a clear reason; a content template goes.
/// </summary>
public sealed class SendMessageConsumer(
    OutboundAttempt attempt, TwilioMessageSender sender, IAssistant assistant, SmsSessionRepository sessions,
    ConversationTurnRepository turns, OptOutRepository optOuts, RequestBilling billing, IOptions<ConversationOptions> conversation,
    CampaignGate gate)
    : IConsumer<SendMessage>
{
    public static string WindowClosedReason(TimeSpan window) =>
        $"WhatsApp allows free-form messages only within {window.TotalHours:0} hours of the person's last message; send a content template (content_sid and content_variables) instead.";

    public async Task Consume(ConsumeContext<SendMessage> context)
    {
        var command = context.Message;
        // A released hold is taken here; a paused or cancelled batch's row stops here.
        if (!await gate.MayGoAsync(context, command.RequestId, command.DomainName, command.BatchId, HoldKinds.SendMessage)) return;
        var target = new OutboundTarget(command.RequestId, command.DomainName, command.Channel, command.PhoneNumber, command.SenderSlotAt);
        await attempt.RunAsync(target, new OpeningMessage(new Services(sender, assistant, sessions, turns, optOuts, billing, conversation.Value), context),
            gate.ControlsFor(context, command.RequestId, command.DomainName, command.BatchId, HoldKinds.SendMessage, slot => command with { SenderSlotAt = slot }),
            context.CancellationToken);
    }

    private sealed record Services(
        TwilioMessageSender Sender, IAssistant Assistant, SmsSessionRepository Sessions, ConversationTurnRepository Turns,
        OptOutRepository OptOuts, RequestBilling Billing, ConversationOptions Conversation);

    private sealed class OpeningMessage(Services services, ConsumeContext<SendMessage> context) : OutboundSend
    {
        private readonly SendMessage _command = context.Message;
        private string _text = "";
        private string? _from;
        private long? _openingTurn;

        private string OpeningKey => $"opening:{_command.RequestId}";

        public override async Task<Refusal?> PrepareAsync(TwilioConfig account, CancellationToken cancellationToken)
        {
            _from = account.FromNumber;
            // Only free-form WhatsApp needs the session: the 24-hour window since the person last wrote.
            if (_command.Channel == Channels.WhatsAppMessage && _command.ContentSid is null)
            {
                var window = services.Conversation.WhatsAppWindow;
                var session = await services.Sessions.FindAsync(_command.DomainName, _command.Channel, _command.PhoneNumber, cancellationToken);
                if (!(session?.LastInboundAt is { } last && DateTime.UtcNow - last.ToUniversalTime() < window))
                    return new Refusal(CallLogStatus.Failed, TwilioFailure.WhatsAppWindowClosed, WindowClosedReason(window));
            }

            _text = _command.ContentSid is null
                ? (await services.Assistant.OpenAsync(new ConversationBrief(_command.DomainName, _command.Channel, _command.Type, _command.Instruction, _command.Name), cancellationToken)).Text
                : $"[template {_command.ContentSid} {_command.ContentVariables}]";
            // The session and the opening turn exist before Twilio sends, so an immediate answer finds its conversation after it.
            await services.Sessions.OpenForRequestAsync(_command.DomainName, _command.Channel, _command.PhoneNumber, account.FromNumber,
                _command.RequestId, _command.Type, _command.Instruction, _command.Name, cancellationToken);
            _openingTurn = await services.Turns.WriteOpeningAsync(_command.RequestId, _text, OpeningKey, cancellationToken);
            return null;
        }

        public override async Task<TwilioCreated> CreateAsync(TwilioConfig account, CancellationToken cancellationToken)
        {
            var message = await services.Sender.SendAsync(account, _command.Channel, _command.PhoneNumber,
                _command.ContentSid is null ? _text : null, _command.ContentSid, _command.ContentVariables,
                _command.RequestId, _command.DomainName);
            return new TwilioCreated(message.Sid, message.Status.ToString());
        }

        public override async Task AcceptedAsync(string sid, bool redelivered, CancellationToken cancellationToken)
        {
            await services.Turns.SetOpeningSidAsync(OpeningKey, sid, cancellationToken);
            await services.Billing.MessageSentAsync(context, _command.RequestId, _command.DomainName, _command.Channel, _command.Type, sid, cancellationToken);
        }

        public override async Task<Refusal> RefusedAsync(ApiException refusal, CancellationToken cancellationToken)
        {
            var failure = TwilioFailure.Permanent(refusal);
            // Nothing was said: the transcript keeps no opening.
            if (_openingTurn is { } turn) await services.Turns.ReleaseAsync(turn, cancellationToken);
            if (refusal.Code != TwilioFailure.Unsubscribed) return new Refusal(CallLogStatus.Failed, failure.Code, failure.Message);
            await services.OptOuts.OptOutAsync(_command.DomainName, _command.PhoneNumber, _from, OptOutRepository.TwilioUnsubscribed, cancellationToken);
            return new Refusal(CallLogStatus.OptedOut, failure.Code, failure.Message);
        }
    }
}

/// <summary>The bulk lane's consumer (batch rows, queue <c>send-message-bulk</c>): the same work, apart from interactive requests.</summary>
public sealed class BulkSendMessageConsumer(SendMessageConsumer consumer) : IConsumer<SendMessage>
{
    public Task Consume(ConsumeContext<SendMessage> context) => consumer.Consume(context);
}
