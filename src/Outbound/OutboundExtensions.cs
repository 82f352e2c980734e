using Aventora.Outbound.Attempts;
using Aventora.Outbound.Campaigns;
using Aventora.Outbound.Reconciliation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aventora.Outbound;

public static class OutboundExtensions
{
    /// <summary>The send-at-most-once attempt, and the reconciler that settles this worker's channels through <typeparamref name="TLookup"/>.</summary>
    public static IServiceCollection AddOutbound<TLookup>(this IServiceCollection services, IConfiguration configuration)
        where TLookup : class, ITwilioLookup
    {
        services.AddOptions<ReconcilerOptions>()
            .Bind(configuration.GetSection(ReconcilerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<PacingOptions>()
            .Bind(configuration.GetSection(PacingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SenderPacing>();
        services.AddSingleton<CampaignGate>();
        services.AddSingleton<OutboundAttempt>();
        services.AddSingleton<ITwilioLookup, TLookup>();
        services.AddSingleton<OutboundReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboundReconciler>());
        return services;
    }
}
