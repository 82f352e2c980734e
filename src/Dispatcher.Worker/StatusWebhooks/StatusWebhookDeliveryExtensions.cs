using Aventora.Domains.StatusWebhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

public static class StatusWebhookDeliveryExtensions
{
    /// <summary>The relay that publishes due deliveries and the sender the <see cref="StatusWebhookDueConsumer"/> POSTs with.</summary>
    public static IServiceCollection AddStatusWebhookDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStatusWebhookTargets(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<StatusWebhookSender>(StatusWebhookSender.HttpClientName, (sp, http) =>
                http.Timeout = sp.GetRequiredService<IOptions<StatusWebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => StatusWebhookSender.Handler(sp.GetRequiredService<StatusWebhookTarget>()));
        services.AddHostedService<StatusWebhookRelay>();
        return services;
    }
}
