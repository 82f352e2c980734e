using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aventora.Dispatcher.Worker.Scheduling;

public static class SchedulingExtensions
{
    /// <summary>The campaign rules the dispatcher applies, and the schedule that releases held requests (one clock: TimeProvider).</summary>
    public static IServiceCollection AddCampaignSchedule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchedulerOptions>()
            .Bind(configuration.GetSection(SchedulerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CampaignRules>();
        services.AddSingleton<HoldReleaser>();
        services.AddHostedService(sp => sp.GetRequiredService<HoldReleaser>());
        return services;
    }
}
