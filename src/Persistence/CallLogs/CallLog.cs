namespace Aventora.Persistence.CallLogs;

/// <summary>One request's row in <c>call_logs</c>: what was asked and how far it has got.</summary>
public sealed record CallLog
{
    public required Guid Id { get; init; }
    public string? DomainName { get; init; }
    /// <summary>The tenant the request was made for: its domain's immutable id (null without a domain).</summary>
    public Guid? DomainId { get; init; }
    /// <summary>Its domain has been deleted (a domain of that name may exist again, as another tenant): admins only.</summary>
    [Computed] public bool OfDeletedDomain { get; init; }
    public required string Channel { get; init; }
    public required string PhoneNumber { get; init; }
    public required string Type { get; init; }
    public required string Instruction { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public required string Source { get; init; }
    public required string Status { get; init; }
    /// <summary>The CSV batch the request came in, and its line there (both null outside batches).</summary>
    public Guid? BatchId { get; init; }
    public int? LineNumber { get; init; }
    public string? TwilioSid { get; init; }
    public string? TwilioStatus { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int? DurationSeconds { get; init; }
    /// <summary>What answering machine detection reported (phone calls of domains with voicemail_mode on), and what was done on a machine.</summary>
    public string? AnsweredBy { get; init; }
    public string? MachineAction { get; init; }
    /// <summary>The send attempt: when it was claimed, and the account and sender number it used (for the reconciler).</summary>
    public DateTimeOffset? AttemptStartedAt { get; init; }
    public string? AttemptAccountSid { get; init; }
    public string? AttemptFrom { get; init; }
    /// <summary>When a held request is to go (send_at, or its window's opening).</summary>
    public DateTimeOffset? SendAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Aventora's own lifecycle states; Twilio's statuses (queued, sent, delivered, ringing, ...) follow them.</summary>
public static class CallLogStatus
{
    public const string Received = "received";
    public const string Routed = "routed";
    public const string Sending = "sending";
    /// <summary>Twilio may have created the message or call but its answer was lost; the reconciler asks Twilio and decides.</summary>
    public const string Unconfirmed = "unconfirmed";
    public const string Failed = "failed";
    public const string OptedOut = "opted_out";
    /// <summary>A conversation the person started by writing first.</summary>
    public const string Inbound = "inbound";
    /// <summary>The domain could not pay for the request: nothing was sent.</summary>
    public const string InsufficientCredits = "insufficient_credits";
    /// <summary>Waits for its time: <c>send_at</c>, or the opening of the recipient's sending window (quiet hours).</summary>
    public const string Scheduled = "scheduled";
    /// <summary>Its batch is paused: it waits until the batch resumes.</summary>
    public const string Paused = "paused";
    /// <summary>Cancelled before it started (the request, or its batch): nothing was sent.</summary>
    public const string Cancelled = "cancelled";
}
