using System.ComponentModel.DataAnnotations;

namespace Aventora.Billing;

/// <summary>
/// Binds the <c>Billing</c> section: every price, in credits. Nothing here has a default in code: each process that prices
/// requests must be configured with the same figures, and refuses to start without them.
/// </summary>
public sealed class BillingOptions : IValidatableObject
{
    public const string Section = "Billing";

    /// <summary>Credits per sms or wmsg message sent.</summary>
    public int? MessageCredits { get; set; }

    /// <summary>Credits per connected phone or wvoice call whose type is not in <see cref="CallPrices"/>.</summary>
    public int? DefaultCallCredits { get; set; }

    /// <summary>Credits per connected call, by the request's type (matched without regard to case).</summary>
    public Dictionary<string, int> CallPrices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MessageCredits is not >= 0)
            yield return new ValidationResult("Billing:MessageCredits is required: the credits one sms or wmsg message costs (0 or more).");
        if (DefaultCallCredits is not >= 0)
            yield return new ValidationResult("Billing:DefaultCallCredits is required: the credits a connected call of a type not in Billing:CallPrices costs (0 or more).");
        foreach (var (type, credits) in CallPrices)
        {
            if (string.IsNullOrWhiteSpace(type) || type.Length > 100)
                yield return new ValidationResult($"Billing:CallPrices has an invalid call type '{type}' (1 to 100 characters).");
            if (credits < 0)
                yield return new ValidationResult($"Billing:CallPrices:{type} must be 0 or more credits, not {credits}.");
        }
    }
}
