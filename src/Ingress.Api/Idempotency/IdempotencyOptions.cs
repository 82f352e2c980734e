using System.ComponentModel.DataAnnotations;

namespace Aventora.Ingress.Api.Idempotency;

/// <summary>Binds the <c>Idempotency</c> section: how long clients' <c>Idempotency-Key</c>s and their answers are kept.</summary>
public sealed class IdempotencyOptions : IValidatableObject
{
    public const string Section = "Idempotency";

    /// <summary>How long a key answers with its first answer; after that the key is new again and the sweep deletes it.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromHours(24);
    /// <summary>How often expired keys are deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// A first use still unanswered after this long is taken to be lost (its Ingress died) and a retry with the same request
    /// may take it over; until then a retry gets 409. Longer than the slowest batch upload takes to publish.
    /// </summary>
    public TimeSpan InProgressTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KeepFor < TimeSpan.FromMinutes(1) || KeepFor > TimeSpan.FromDays(30))
            yield return new ValidationResult($"Idempotency:KeepFor must be between 00:01:00 and 30.00:00:00, not {KeepFor}.");
        if (SweepInterval < TimeSpan.FromMilliseconds(100) || SweepInterval > TimeSpan.FromDays(1))
            yield return new ValidationResult($"Idempotency:SweepInterval must be between 00:00:00.1 and 1.00:00:00, not {SweepInterval}.");
        if (InProgressTimeout < TimeSpan.FromSeconds(1) || InProgressTimeout >= KeepFor)
            yield return new ValidationResult($"Idempotency:InProgressTimeout must be at least 00:00:01 and shorter than Idempotency:KeepFor, not {InProgressTimeout}.");
    }
}
