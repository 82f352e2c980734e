namespace Aventora.Contracts.Outbound;

/// <summary>A validated request to reach a person, from any producer. <see cref="RequestId"/> is its identity end to end.</summary>
public sealed record OutboundRequested
{
    public required Guid RequestId { get; init; }
    public string? DomainName { get; init; }
    public required string Channel { get; init; }
    /// <summary>E.164, never with a <c>whatsapp:</c> prefix.</summary>
    public required string PhoneNumber { get; init; }
    public required string Type { get; init; }
    public required string Instruction { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? ContentSid { get; init; }
    /// <summary>JSON object of template variables, as Twilio's ContentVariables takes it.</summary>
    public string? ContentVariables { get; init; }
    public required string Source { get; init; }
    public Guid? BatchId { get; init; }
    public int? LineNumber { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
    /// <summary>Not before this time (the request waits, <c>scheduled</c>, until then); null for at once.</summary>
    public DateTimeOffset? SendAt { get; init; }
    /// <summary>Go even inside the recipient's quiet hours: only for types the domain marks transactional (checked at the edge).</summary>
    public bool IgnoreQuietHours { get; init; }
}
