namespace Aventora.Ingress.Api.Idempotency;

public static class IdempotencyExtensions
{
    /// <summary>Clients' <c>Idempotency-Key</c>s: their options, validated at startup, and the sweep of expired keys.</summary>
    public static IServiceCollection AddIdempotencyKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<IdempotencySweeper>();
        return services;
    }

    /// <summary>After authentication and authorization: keys are scoped to the caller.</summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();

    /// <summary>The endpoint takes <c>Idempotency-Key</c>: a retry gets the first answer, and the work is done once.</summary>
    public static TBuilder AcceptsIdempotencyKey<TBuilder>(this TBuilder builder, IdempotencyHashing hashing = IdempotencyHashing.Body)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AcceptsIdempotencyKey(hashing));
}
