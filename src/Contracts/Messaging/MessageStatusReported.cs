namespace Aventora.Contracts.Messaging;

/// <summary>Twilio reported a message's status (queued, sent, delivered, read, failed, undelivered).</summary>
public sealed record MessageStatusReported
{
    public required string MessageSid { get; init; }
    public required string AccountSid { get; init; }
    /// <summary>The request the callback is about, from its StatusCallback URL; null for older URLs and for assistant replies.</summary>
    public Guid? RequestId { get; init; }
    /// <summary>The domain and channel whose account signed the callback (checked by Ingress); the row must belong to them.</summary>
    public string? DomainName { get; init; }
    public string? Channel { get; init; }
    public required string Status { get; init; }
    public string? ErrorCode { get; init; }
    public required DateTimeOffset ReportedAt { get; init; }
}
