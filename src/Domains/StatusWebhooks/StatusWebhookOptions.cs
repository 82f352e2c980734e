using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.Domains.StatusWebhooks;

/// <summary>Binds the <c>StatusWebhooks</c> section: where customer endpoints may be, how deliveries are retried, and each tenant's share.</summary>
public sealed class StatusWebhookOptions : IValidatableObject
{
    public const string Section = "StatusWebhooks";

    /// <summary>Hosts whose endpoint may be plain http (local use); every other URL must be https.</summary>
    public string[] AllowHttpHosts { get; set; } = [];

    /// <summary>Hosts that may resolve to loopback, private or link-local addresses; every other host must be public.</summary>
    public string[] AllowedPrivateHosts { get; set; } = [];

    /// <summary>How long a delivery waits after its first failed attempt; each further failure doubles it, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00", ErrorMessage = "StatusWebhooks:FirstRetryAfter must be between 50 ms and 1 hour.")]
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.050", "06:00:00", ErrorMessage = "StatusWebhooks:MaxRetryDelay must be between 50 ms and 6 hours.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A delivery still failing this long after its event is given up (status failed; it can be retried through the API).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "StatusWebhooks:GiveUpAfter must be between 1 second and 7 days.")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long the endpoint has to answer one POST.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "StatusWebhooks:Timeout must be between 1 and 60 seconds.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the relay looks for due deliveries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "StatusWebhooks:RelayInterval must be between 50 ms and 1 minute.")]
    public TimeSpan RelayInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Deliveries of one domain a Dispatcher POSTs at once: one tenant's slow endpoint holds at most this many of the endpoint's
    /// <c>RabbitMq:ConcurrentMessageLimit</c> slots. A delivery beyond it is put back (<see cref="OverShareRetryAfter"/>), not waited for.
    /// </summary>
    [Range(1, 1024, ErrorMessage = "StatusWebhooks:MaxConcurrentPerDomain must be between 1 and 1024.")]
    public int MaxConcurrentPerDomain { get; set; } = 4;

    /// <summary>How soon a delivery put back because its domain was at its share is due again (not an attempt: nothing is counted).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "StatusWebhooks:OverShareRetryAfter must be between 50 ms and 1 minute.")]
    public TimeSpan OverShareRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive failed or timed-out POSTs to one endpoint after which its circuit opens: it is not called for <see cref="BreakFor"/>.</summary>
    [Range(1, 1000, ErrorMessage = "StatusWebhooks:BreakAfterFailures must be between 1 and 1000.")]
    public int BreakAfterFailures { get; set; } = 5;

    /// <summary>How long an open circuit stays open; then one delivery tries the endpoint, and its outcome closes or reopens it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "StatusWebhooks:BreakFor must be between 1 second and 1 hour.")]
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < FirstRetryAfter)
            yield return new ValidationResult("StatusWebhooks:MaxRetryDelay must not be shorter than StatusWebhooks:FirstRetryAfter.");
    }

    /// <summary>The wait before attempt <paramref name="failedAttempts"/> + 1: exponential, capped.</summary>
    public TimeSpan RetryDelay(int failedAttempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryAfter.Ticks * (long)Math.Pow(2, Math.Min(failedAttempts - 1, 30))));
}

public static class StatusWebhookOptionsExtensions
{
    /// <summary>The <c>StatusWebhooks</c> options, validated at startup, and the rules for where an endpoint may be.</summary>
    public static IServiceCollection AddStatusWebhookTargets(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<StatusWebhookOptions>().Bind(configuration.GetSection(StatusWebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StatusWebhookTarget>();
        return services;
    }
}
