namespace Aventora.Contracts.Voice;

/// <summary>Ingress asks Voice.Worker what to say next on a call: Twilio is waiting for TwiML.</summary>
public sealed record GetCallTwiml
{
    public required Guid RequestId { get; init; }
    public required string CallSid { get; init; }
    /// <summary>
    /// The domain and channel whose account signed the fetch (checked by Ingress): the call must be theirs. Null channel for TwiML URLs
    /// given to Twilio before release 1.33.0, which Ingress checked against the request itself.
    /// </summary>
    public string? DomainName { get; init; }
    public string? Channel { get; init; }
    /// <summary>What the person said (Twilio's SpeechResult), absent on the call's first fetch.</summary>
    public string? SpeechResult { get; init; }
    /// <summary>Twilio fetches this after the call's Media Stream ended (the <c>&lt;Connect&gt;</c> action): hang up, end politely or fall back to Gather.</summary>
    public bool AfterStream { get; init; }
}

/// <summary>Voice.Worker's answer: the TwiML document to give Twilio.</summary>
public sealed record CallTwiml
{
    public required string Twiml { get; init; }
}
