namespace Aventora.Contracts.Messaging;

/// <summary>A person wrote to one of a domain's numbers (sms or wmsg); the signature was already checked by Ingress.</summary>
public sealed record InboundMessageReceived
{
    public required string MessageSid { get; init; }
    public required string AccountSid { get; init; }
    public required string Channel { get; init; }
    /// <summary>E.164 of the person, without whatsapp:.</summary>
    public required string From { get; init; }
    /// <summary>E.164 of the domain's number that received it, without whatsapp:.</summary>
    public required string To { get; init; }
    public required string Body { get; init; }
    public string? DomainName { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}
