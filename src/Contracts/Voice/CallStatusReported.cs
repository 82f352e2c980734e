namespace Aventora.Contracts.Voice;

/// <summary>Twilio reported a call's status (initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled).</summary>
public sealed record CallStatusReported
{
    public required string CallSid { get; init; }
    public required string AccountSid { get; init; }
    /// <summary>The request the callback is about, from its StatusCallback URL; null for older URLs and for assistant replies.</summary>
    public Guid? RequestId { get; init; }
    /// <summary>The domain and channel whose account signed the callback (checked by Ingress); the row must belong to them.</summary>
    public string? DomainName { get; init; }
    public string? Channel { get; init; }
    public required string Status { get; init; }
    public int? DurationSeconds { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int? SequenceNumber { get; init; }
    public required DateTimeOffset ReportedAt { get; init; }
}
