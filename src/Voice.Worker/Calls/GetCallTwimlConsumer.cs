using Aventora.Contracts.Voice;
using Aventora.Conversations.Assistant;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.ServiceDefaults;
using Aventora.ServiceDefaults.Text;
using Aventora.Voice.Worker.Streams;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Calls;

/// <summary>
/// Answers Ingress with the call's next TwiML: the opening, then one assistant turn per thing the person says (Twilio's
/// speech result), until the assistant ends the conversation. Every turn goes into the request's transcript. Text goes through
/// <see cref="XmlText"/>, so a character XML forbids (from an instruction or the assistant) cannot make Twilio refuse the document.
/// A domain in stream mode gets a Media Stream instead (<see cref="StreamTwiml"/>); when that stream ends, Twilio asks again
/// (<see cref="GetCallTwiml.AfterStream"/>): a finished conversation hangs up, a refused stream falls back to these Gather
/// turns, and a dropped one ends the call politely.
/// </summary>
public sealed class GetCallTwimlConsumer(
    CallLogRepository callLogs, ConversationTurnRepository turns, IAssistant assistant, IOptions<IngressOptions> ingress,
    StreamTwiml streamTwiml, VoiceStreamRepository streams, IOptions<VoiceStreamOptions> streamOptions) : IConsumer<GetCallTwiml>
{
    public async Task Consume(ConsumeContext<GetCallTwiml> context)
    {
        var ask = context.Message;
        var ct = context.CancellationToken;
        var log = await callLogs.FindAsync(ask.RequestId, ct);
        if (log is null || !SignedForBy(log, ask))
        {
            await context.RespondAsync(new CallTwiml { Twiml = TwimlDocument.SayAndHangUp("Sorry, this call is not known. Goodbye.") });
            return;
        }

        var opening = string.IsNullOrWhiteSpace(ask.SpeechResult);
        if (ask.AfterStream)
        {
            var state = await streams.FindStateAsync(ask.RequestId, ct);
            if (state == "completed" || state == "hung_up")
            {
                await context.RespondAsync(new CallTwiml { Twiml = TwimlDocument.Of("<Hangup/>") });
                return;
            }
            if (state is not (null or "refused"))
            {
                await context.RespondAsync(new CallTwiml { Twiml = TwimlDocument.SayAndHangUp(streamOptions.Value.DroppedMessage) });
                return;
            }
            // Refused, or never connected: the conversation has not begun; hold it with Gather turns.
        }
        else if (opening && await streamTwiml.ForAsync(log, ct) is { } stream)
        {
            await context.RespondAsync(new CallTwiml { Twiml = stream });
            return;
        }

        var brief = new ConversationBrief(log.DomainName, log.Channel, log.Type, log.Instruction, log.Name);
        AssistantReply reply;
        if (opening)
        {
            reply = await assistant.OpenAsync(brief, ct);
            // Twilio may fetch the first document again; the opening is recorded once.
            await turns.TryClaimAssistantAsync(ask.RequestId, reply.Text, $"opening:{ask.RequestId}", ct);
        }
        else
        {
            await turns.TryRecordPersonAsync(ask.RequestId, ask.SpeechResult!, null, ct);
            var transcript = (await turns.ListAsync(ask.RequestId, ct)).Select(t => new Turn(t.Speaker, t.Text)).ToList();
            reply = await assistant.ReplyAsync(brief, transcript, ct);
            await turns.TryClaimAssistantAsync(ask.RequestId, reply.Text, null, ct);
        }
        await context.RespondAsync(new CallTwiml { Twiml = reply.EndsConversation ? TwimlDocument.SayAndHangUp(reply.Text) : SayAndListen(reply.Text, log) });
    }

    /// <summary>
    /// Whether the account Ingress checked the fetch against is the call's: the URL's domain and channel are the request's, and its
    /// domain was not deleted since (a new tenant of that name never reads an old tenant's call). Older URLs were checked by Ingress
    /// against the request itself.
    /// </summary>
    private static bool SignedForBy(CallLog log, GetCallTwiml ask) =>
        ask.Channel is null
        || (!log.OfDeletedDomain && ask.Channel == log.Channel
            && string.Equals(log.DomainName ?? "", ask.DomainName ?? "", StringComparison.OrdinalIgnoreCase));

    private string SayAndListen(string text, CallLog log) =>
        TwimlDocument.Of($"<Gather input=\"speech\" action=\"{XmlText.Escape(ingress.Value.For(log.Id, log.DomainName, log.Channel).ToString())}\" method=\"POST\" speechTimeout=\"auto\">" +
                 $"<Say>{XmlText.Escape(text)}</Say></Gather><Say>We did not hear you. Goodbye.</Say><Hangup/>");
}
