namespace Aventora.Contracts.Billing;

/// <summary>
/// One billable act (a message sent, a call that connected). <see cref="UsageId"/> is derived from the act itself
/// (e.g. the Twilio SID), so the same act reported twice carries the same id and is billed once.
/// </summary>
public sealed record UsageRecorded
{
    public required Guid UsageId { get; init; }
    public required Guid RequestId { get; init; }
    public required string DomainName { get; init; }
    public required string Channel { get; init; }
    /// <summary><c>message</c> or <c>call</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>The request's type: calls are priced by it.</summary>
    public required string Type { get; init; }
    public required int Credits { get; init; }
    public string? TwilioSid { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}
