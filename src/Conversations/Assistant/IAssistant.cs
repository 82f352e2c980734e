namespace Aventora.Conversations.Assistant;

/// <summary>What the conversation is about: the request's type, instruction and the person's name.</summary>
public sealed record ConversationBrief(string? DomainName, string Channel, string Type, string Instruction, string? Name);

/// <summary>One line of a transcript.</summary>
public sealed record Turn(string Speaker, string Text);

/// <summary>What the assistant says next, and whether that ends the conversation.</summary>
public sealed record AssistantReply(string Text, bool EndsConversation);

/// <summary>"Given the brief and the transcript so far, what do we say next." The default runs offline and is deterministic.</summary>
public interface IAssistant
{
    Task<AssistantReply> OpenAsync(ConversationBrief brief, CancellationToken cancellationToken);

    Task<AssistantReply> ReplyAsync(ConversationBrief brief, IReadOnlyList<Turn> transcript, CancellationToken cancellationToken);
}
