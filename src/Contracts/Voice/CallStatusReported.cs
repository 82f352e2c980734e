namespace Aventora.Contracts.Voice;

/// <summary>Twilio reported a call's status (initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled).</summary>
public sealed record CallStatusReported
{
    public required string CallSid { get; init; }
    public required string AccountSid { get; init; }
    public required string Status { get; init; }
    public int? DurationSeconds { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int? SequenceNumber { get; init; }
    public required DateTimeOffset ReportedAt { get; init; }
}
