using System.ComponentModel.DataAnnotations;

namespace Aventora.ServiceDefaults;

/// <summary>
/// Binds the <c>Ingress</c> section: the public base URL Twilio reaches Ingress.Api at. Workers build TwiML and
/// status-callback URLs from it; Ingress checks webhook signatures against it, so the check holds behind a proxy.
/// </summary>
public sealed class IngressOptions : IValidatableObject
{
    public const string Section = "Ingress";

    public string PublicBaseUrl { get; set; } = "http://localhost:5000";

    public Uri Url(string path) => new(PublicBaseUrl.TrimEnd('/') + "/" + path.TrimStart('/'));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            yield return new ValidationResult($"Ingress:PublicBaseUrl must be an absolute http(s) URL, not '{PublicBaseUrl}'.");
    }
}
