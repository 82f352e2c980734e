using System.ComponentModel.DataAnnotations;

namespace Aventora.Conversations.Assistant;

/// <summary>Binds the <c>Assistant</c> section: the offline scripted assistant (default) or a language model behind the same interface.</summary>
public sealed class AssistantOptions : IValidatableObject
{
    public const string Section = "Assistant";

    /// <summary><c>scripted</c> (offline, deterministic) or <c>openai</c> (any OpenAI-compatible chat completions endpoint).</summary>
    public string Provider { get; set; } = "scripted";

    public string? Endpoint { get; set; }

    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>The endpoint's API key: a secret, never logged.</summary>
    public string? ApiKey { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider is not ("scripted" or "openai"))
            yield return new ValidationResult($"Assistant:Provider must be 'scripted' or 'openai', not '{Provider}'.");
        if (Provider == "openai" && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
            yield return new ValidationResult("Assistant:Endpoint must be an absolute URL (e.g. https://api.openai.com/v1) when Assistant:Provider is 'openai'.");
        if (Provider == "openai" && string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult("Assistant:ApiKey is required when Assistant:Provider is 'openai'.");
    }
}
