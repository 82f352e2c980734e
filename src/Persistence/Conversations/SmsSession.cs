namespace Aventora.Persistence.Conversations;

public sealed record SmsSession
{
    public required Guid Id { get; init; }
    public required string DomainName { get; init; }
    public required string Channel { get; init; }
    public required string PhoneNumber { get; init; }
    public required string SenderNumber { get; init; }
    public Guid? RequestId { get; init; }
    public required string Type { get; init; }
    public required string Instruction { get; init; }
    public string? Name { get; init; }
    public required string State { get; init; }
    public DateTime? LastInboundAt { get; init; }
}

public sealed record ConversationTurn(string Speaker, string Text, DateTime CreatedAt);
