using System.ComponentModel.DataAnnotations;

namespace Aventora.Domains.Metadata;

/// <summary>Binds the <c>DomainMetadata</c> section: which source, and how long a copy is kept.</summary>
public sealed class DomainMetadataOptions : IValidatableObject
{
    public const string Section = "DomainMetadata";

    /// <summary><c>table</c> (the local domains table, the default) or <c>chatbot</c> (the domain-chatbot service).</summary>
    public string Source { get; set; } = "table";

    /// <summary>The domain-chatbot service's base URL, required when Source is <c>chatbot</c>.</summary>
    public string? ChatbotBaseUrl { get; set; }

    public TimeSpan ChatbotTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many domains are held in a process's cache; past it the least recently used are let go.</summary>
    public int CacheSize { get; set; } = 10_000;

    /// <summary>
    /// Whether domains without a number of their own may send from the environment's number (TWILIO_*_NUMBER). Domains that
    /// share it share its conversations and its STOPs (README, "Shared sender numbers"); false keeps it for requests without a domain.
    /// </summary>
    public bool FallbackSenderForDomains { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Source is not ("table" or "chatbot"))
            yield return new ValidationResult($"DomainMetadata:Source must be 'table' or 'chatbot', not '{Source}'.");
        if (Source == "chatbot" && !Uri.TryCreate(ChatbotBaseUrl, UriKind.Absolute, out _))
            yield return new ValidationResult("DomainMetadata:ChatbotBaseUrl must be an absolute URL when DomainMetadata:Source is 'chatbot'.");
        if (CacheSize < 1)
            yield return new ValidationResult($"DomainMetadata:CacheSize must be at least 1, not {CacheSize}.");
    }
}
