namespace Aventora.Contracts.Outbound;

/// <summary>Command to Messaging.Worker: send the opening message of a request (<c>sms</c> or <c>wmsg</c>). Carries no secret.</summary>
public sealed record SendMessage
{
    public required Guid RequestId { get; init; }
    public string? DomainName { get; init; }
    public required string Channel { get; init; }
    public required string PhoneNumber { get; init; }
    public required string Type { get; init; }
    public required string Instruction { get; init; }
    public string? Name { get; init; }
    /// <summary>The batch the request came in (its pause and cancel reach the request until it is sent); null outside batches.</summary>
    public Guid? BatchId { get; init; }
    /// <summary>
    /// The sender's slot this request already holds (UTC), set when it was parked to wait for its sender's pace: released, it goes at
    /// that slot instead of taking a new one. Null for a request that has not waited.
    /// </summary>
    public DateTimeOffset? SenderSlotAt { get; init; }
    public string? ContentSid { get; init; }
    public string? ContentVariables { get; init; }
}
