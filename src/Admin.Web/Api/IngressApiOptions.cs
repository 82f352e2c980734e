using System.ComponentModel.DataAnnotations;

namespace Aventora.Admin.Web.Api;

/// <summary>Binds <c>IngressApi</c>: where the console finds Ingress.Api, the only thing it talks to.</summary>
public sealed class IngressApiOptions : IValidatableObject
{
    public const string Section = "IngressApi";

    [Required(ErrorMessage = "IngressApi:BaseUrl is required: Ingress.Api's address, such as http://localhost:5000/.")]
    public Uri? BaseUrl { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "IngressApi:Timeout must be between 1 second and 5 minutes.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
            yield return new ValidationResult("IngressApi:BaseUrl must be an absolute http or https address.", [nameof(BaseUrl)]);
    }
}

/// <summary>Binds <c>Console</c>: how long a sign-in lasts and how often screens ask the API how a request is doing.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00", ErrorMessage = "Console:SessionLifetime must be between 5 minutes and 7 days.")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00", ErrorMessage = "Console:PollInterval must be between 0.2 and 60 seconds.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
