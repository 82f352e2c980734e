using Aventora.Domains.StatusWebhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

public static class StatusWebhookDeliveryExtensions
{
    /// <summary>
    /// The relay that publishes due deliveries, the sender the <see cref="StatusWebhookDueConsumer"/> POSTs with, and what keeps
    /// tenants to their share: the per-domain slots and the per-endpoint circuit breaker.
    /// </summary>
    public static IServiceCollection AddStatusWebhookDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStatusWebhookTargets(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<StatusWebhookSender>(StatusWebhookSender.HttpClientName, (sp, http) =>
                http.Timeout = sp.GetRequiredService<IOptions<StatusWebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => StatusWebhookSender.Handler(sp.GetRequiredService<StatusWebhookTarget>()));
        services.AddSingleton<StatusWebhookShares>();
        services.AddSingleton<StatusWebhookBreaker>();
        services.AddHostedService<StatusWebhookRelay>();
        return services;
    }
}
