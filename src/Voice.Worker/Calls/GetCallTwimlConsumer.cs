using System.Security;
using Aventora.Contracts.Voice;
using Aventora.Conversations.Assistant;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Calls;

/// <summary>Answers Ingress with the call's next TwiML: the opening, then one assistant turn per thing the person says.</summary>
public sealed class GetCallTwimlConsumer(CallLogRepository callLogs, IAssistant assistant, IOptions<IngressOptions> ingress) : IConsumer<GetCallTwiml>
{
    public async Task Consume(ConsumeContext<GetCallTwiml> context)
    {
        var ask = context.Message;
        var log = await callLogs.FindAsync(ask.RequestId, context.CancellationToken);
        if (log is null)
        {
            await context.RespondAsync(new CallTwiml { Twiml = Document("<Say>Sorry, this call is not known. Goodbye.</Say><Hangup/>") });
            return;
        }

        var brief = new ConversationBrief(log.DomainName, log.Channel, log.Type, log.Instruction, log.Name);
        var reply = string.IsNullOrWhiteSpace(ask.SpeechResult)
            ? await assistant.OpenAsync(brief, context.CancellationToken)
            : await assistant.ReplyAsync(brief, [new Turn(Speakers.Person, ask.SpeechResult)], context.CancellationToken);
        await context.RespondAsync(new CallTwiml { Twiml = reply.EndsConversation ? SayAndHangUp(reply.Text) : SayAndListen(reply.Text, ask.RequestId) });
    }

    private string SayAndListen(string text, Guid requestId) =>
        Document($"<Gather input=\"speech\" action=\"{SecurityElement.Escape(ingress.Value.Url($"/voice/twiml/{requestId}").ToString())}\" method=\"POST\" speechTimeout=\"auto\">" +
                 $"<Say>{SecurityElement.Escape(text)}</Say></Gather><Say>We did not hear you. Goodbye.</Say><Hangup/>");

    private static string SayAndHangUp(string text) => Document($"<Say>{SecurityElement.Escape(text)}</Say><Hangup/>");

    private static string Document(string verbs) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{verbs}</Response>";
}
