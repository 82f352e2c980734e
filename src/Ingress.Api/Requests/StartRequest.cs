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
}
