using System.ComponentModel.DataAnnotations;

namespace Aventora.TwilioGateway;

/// <summary>Binds the <c>Twilio</c> section: where Twilio's REST API is (the real one, or the emulator) and how long to wait for it.</summary>
public sealed class TwilioOptions : IValidatableObject
{
    public const string Section = "Twilio";

    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            yield return new ValidationResult($"Twilio:ApiBaseUrl must be an absolute http(s) URL, not '{ApiBaseUrl}'.");
        if (Timeout <= TimeSpan.Zero)
            yield return new ValidationResult("Twilio:Timeout must be positive.");
    }
}
