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
    /// <summary>
    /// The reservation this usage settles when it is not the request's own: an assistant reply holds its price under an id of
    /// its own (<c>UsageIds.ReplyHold</c>) before it is sent. Null: the request's reservation.
    /// </summary>
    public Guid? HoldId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}
