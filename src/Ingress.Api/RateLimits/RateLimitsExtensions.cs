using System.Globalization;
using System.Threading.RateLimiting;
using Aventora.ServiceDefaults.Metrics;
using Microsoft.AspNetCore.RateLimiting;

namespace Aventora.Ingress.Api.RateLimits;

/// <summary>
/// ASP.NET Core's rate limiter over <see cref="RequestBudgets"/>: a request past its budget gets 429 with Retry-After and a problem
/// body naming the budget and the setting that sizes it, before authentication, the database or the broker see it.
/// </summary>
public static class RateLimitsExtensions
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RequestBudgets>();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(
                http => http.RequestServices.GetRequiredService<RequestBudgets>().PartitionFor(http));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RefuseAsync;
        });
        return services;
    }

    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    private static async ValueTask RefuseAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var budget = http.Features.Get<RequestBudget>();
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var limit = budget?.Limit ?? RequestBudgets.Anonymous;
        http.RequestServices.GetRequiredService<AventoraMetrics>().RequestRateLimited(limit);
        // Debug: a flood of refusals must not become a flood of log lines; the counter shows it (aventora.requests.rate_limited).
        http.RequestServices.GetRequiredService<ILogger<RequestBudgets>>()
            .LogDebug("Refused {Method} {Path} with 429: the {Limit} budget of {Owner} is spent", http.Request.Method, http.Request.Path, limit, budget?.Owner);
        var (who, setting) = limit switch
        {
            RequestBudgets.ApiKey => ("this API key", "RateLimits:PerKeyPerSecond"),
            RequestBudgets.Twilio => ("this address to Twilio's webhooks", "RateLimits:TwilioPerSecond"),
            _ => ("this address without a known API key", "RateLimits:AnonymousPerSecond"),
        };
        await Results.Problem(statusCode: 429,
            title: $"Too many requests from {who}: at most {budget?.PerSecond} a second (bursts of {budget?.Burst}). Retry after {seconds} s.",
            extensions: new Dictionary<string, object?> { ["code"] = "rate_limited", ["limit"] = limit, ["setting"] = setting, ["retry_after_seconds"] = seconds })
            .ExecuteAsync(http);
    }
}
