namespace Aventora.Contracts.Messaging;

/// <summary>Twilio reported a message's status (queued, sent, delivered, read, failed, undelivered).</summary>
public sealed record MessageStatusReported
{
    public required string MessageSid { get; init; }
    public required string AccountSid { get; init; }
    public required string Status { get; init; }
    public string? ErrorCode { get; init; }
    public required DateTimeOffset ReportedAt { get; init; }
}
