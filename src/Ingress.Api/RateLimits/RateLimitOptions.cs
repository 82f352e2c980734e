using System.ComponentModel.DataAnnotations;

namespace Aventora.Ingress.Api.RateLimits;

/// <summary>
/// Binds the <c>RateLimits</c> section: how many requests per second (and how many at once, the burst) each budget takes before
/// Ingress answers 429. Budgets are per Ingress process. The defaults sit far above what the benchmark and the fault suite send,
/// so they only stop floods; README, "Rate limits", says how to size them.
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    /// <summary>False turns every budget off (behind a gateway that limits already).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Per source address, for requests without a known API key (a missing, unknown or not yet checked one) outside Twilio's webhooks.</summary>
    public int AnonymousPerSecond { get; set; } = 100;
    public int AnonymousBurst { get; set; } = 500;

    /// <summary>Per source address, for Twilio's webhooks (status callbacks, inbound messages, TwiML); every tenant's callbacks come from Twilio's few addresses.</summary>
    public int TwilioPerSecond { get; set; } = 10_000;
    public int TwilioBurst { get; set; } = 20_000;

    /// <summary>Per API key (the admin key is one key), for requests bearing a key this process has seen valid.</summary>
    public int PerKeyPerSecond { get; set; } = 10_000;
    public int PerKeyBurst { get; set; } = 20_000;

    /// <summary>Requests past the burst that wait for a token instead of a 429 at once (0: none wait; waiting holds a connection).</summary>
    public int QueueLimit { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(AnonymousPerSecond), AnonymousPerSecond), (nameof(AnonymousBurst), AnonymousBurst),
            (nameof(TwilioPerSecond), TwilioPerSecond), (nameof(TwilioBurst), TwilioBurst),
            (nameof(PerKeyPerSecond), PerKeyPerSecond), (nameof(PerKeyBurst), PerKeyBurst),
        })
        {
            if (value < 1) yield return new ValidationResult($"{Section}:{name} must be at least 1, not {value}; set {Section}:Enabled to false to turn limits off.");
        }
        if (QueueLimit < 0) yield return new ValidationResult($"{Section}:QueueLimit must be 0 or more, not {QueueLimit}.");
    }
}
