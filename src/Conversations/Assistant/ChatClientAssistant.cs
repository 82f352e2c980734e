using Microsoft.Extensions.AI;

namespace Aventora.Conversations.Assistant;

/// <summary>
/// A language model behind <see cref="IAssistant"/>: the brief becomes the system prompt, the transcript the chat.
/// The model ends the conversation by closing its answer with <see cref="EndMarker"/>.
/// </summary>
public sealed class ChatClientAssistant(IChatClient chat) : IAssistant
{
    public const string EndMarker = "[END]";

    public Task<AssistantReply> OpenAsync(ConversationBrief brief, CancellationToken cancellationToken) =>
        AskAsync(brief, [new ChatMessage(ChatRole.User, "Write the opening message to the person now.")], cancellationToken);

    public Task<AssistantReply> ReplyAsync(ConversationBrief brief, IReadOnlyList<Turn> transcript, CancellationToken cancellationToken) =>
        AskAsync(brief, transcript.Select(t => new ChatMessage(t.Speaker == Speakers.Person ? ChatRole.User : ChatRole.Assistant, t.Text)).ToList(), cancellationToken);

    private async Task<AssistantReply> AskAsync(ConversationBrief brief, List<ChatMessage> conversation, CancellationToken cancellationToken)
    {
        conversation.Insert(0, new ChatMessage(ChatRole.System, SystemPrompt(brief)));
        var response = await chat.GetResponseAsync(conversation, cancellationToken: cancellationToken);
        var text = response.Text.Trim();
        var ends = text.EndsWith(EndMarker, StringComparison.Ordinal);
        return new AssistantReply(ends ? text[..^EndMarker.Length].TrimEnd() : text, ends);
    }

    private static string SystemPrompt(ConversationBrief brief) =>
        $"""
        You are the assistant of {brief.DomainName ?? "a business"}, talking with a person over {ChannelName(brief.Channel)}.
        The purpose of this conversation ({brief.Type}): {brief.Instruction}
        {(string.IsNullOrWhiteSpace(brief.Name) ? "" : $"The person's name is {brief.Name}.")}
        Be brief and polite: one or two sentences, plain text{(brief.Channel is "phone" or "wvoice" ? " that reads well aloud" : "")}.
        When the conversation has reached its end, finish your answer with {EndMarker}.
        """;

    private static string ChannelName(string channel) => channel switch
    {
        "sms" => "text message",
        "wmsg" => "WhatsApp",
        "wvoice" => "a WhatsApp voice call",
        _ => "a phone call",
    };
}
