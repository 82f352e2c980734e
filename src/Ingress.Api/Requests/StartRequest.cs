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
