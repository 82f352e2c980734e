namespace Aventora.Ingress.Api.Requests;

/// <summary>The body of <c>POST /start</c> (snake_case on the wire), and one CSV row or mail once read.</summary>
public sealed record StartRequest
{
    public string? PhoneNumber { get; init; }
    public string? Channel { get; init; }
    public string? Type { get; init; }
    public string? Instruction { get; init; }
    public string? DomainName { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    /// <summary>A Twilio content template (HX...), for WhatsApp messages outside the 24-hour window.</summary>
    public string? ContentSid { get; init; }
    /// <summary>The template's variables, a JSON object such as {"1":"Jane"}.</summary>
    public string? ContentVariables { get; init; }
    /// <summary>When to send, ISO 8601 with an offset (e.g. 2026-12-01T09:30:00+01:00); the request waits as <c>scheduled</c> until then.</summary>
    public string? SendAt { get; init; }
    /// <summary>Go even in the recipient's quiet hours: only for types the domain lists in <c>transactional_types</c>.</summary>
    public bool? IgnoreQuietHours { get; init; }
}

/// <summary>The 202 of <c>POST /start</c>: the request is on the broker; follow it at <c>status_url</c>.</summary>
public sealed record StartAccepted(Guid RequestId, string Status, string StatusUrl)
{
    /// <summary>When a scheduled request goes (its <c>send_at</c>); absent for one that goes now.</summary>
    public DateTimeOffset? SendAt { get; init; }
}

/// <summary>The 200 of <c>POST /requests/{id}/cancel</c>: the request ended <c>cancelled</c> before it started; nothing was sent or charged.</summary>
public sealed record RequestCancelled(Guid RequestId, string Status);

/// <summary>A request as <c>GET /requests/{id}</c> shows it: how far it has got, and its conversation so far.</summary>
public sealed record RequestView
{
    public required Guid RequestId { get; init; }
    public string? DomainName { get; init; }
    /// <summary>True when the request's domain was deleted (only the admin key reads such requests); absent otherwise.</summary>
    public bool? DomainDeleted { get; init; }
    public required string Channel { get; init; }
    public required string PhoneNumber { get; init; }
    public required string Type { get; init; }
    /// <summary>api, batch, email or inbound.</summary>
    public string? Source { get; init; }
    public Guid? BatchId { get; init; }
    public int? LineNumber { get; init; }
    /// <summary>accepted, queued, sending, sent, delivered, read, undelivered, failed, ringing, in-progress, completed, busy, no-answer, canceled.</summary>
    public required string Status { get; init; }
    public string? TwilioSid { get; init; }
    public string? TwilioStatus { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int? DurationSeconds { get; init; }
    /// <summary>Who answered a phone call, by Twilio's answering machine detection (domains with <c>voicemail_mode</c> on): human,
    /// machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax or unknown.</summary>
    public string? AnsweredBy { get; init; }
    /// <summary>What was done on a machine or fax answer: voicemail (the domain's message was left) or hangup.</summary>
    public string? MachineAction { get; init; }
    /// <summary>When a scheduled request goes (it shows <c>scheduled</c> until then).</summary>
    public DateTimeOffset? SendAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<TranscriptTurnView> Transcript { get; init; } = [];
    public IReadOnlyList<StatusChangeView> StatusHistory { get; init; } = [];
}

/// <summary>One status the request had, with the reason when it failed, and when.</summary>
public sealed record StatusChangeView(string Status, string? ErrorMessage, DateTimeOffset At);

/// <summary>One turn of a conversation: who spoke (assistant or person), what, and when.</summary>
public sealed record TranscriptTurnView(string Speaker, string Text, DateTime At);
