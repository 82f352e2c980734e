using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Batches;

public static class BatchesExtensions
{
    /// <summary>
    /// CSV batches: the spool folder (resolved and checked at startup), the processor every producer shares, the background
    /// publisher, and the drop-folder watcher when a folder is configured.
    /// </summary>
    public static IServiceCollection AddBatches(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BatchOptions>().Bind(configuration.GetSection(BatchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BatchSpoolFolder>();
        services.AddSingleton<IPostConfigureOptions<BatchOptions>>(sp => sp.GetRequiredService<BatchSpoolFolder>());
        services.AddSingleton<IValidateOptions<BatchOptions>>(sp => sp.GetRequiredService<BatchSpoolFolder>());
        services.AddSingleton<BatchPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<BatchPublisher>());
        services.AddSingleton<BatchProcessor>();
        services.AddHostedService<DropFolderWatcher>();
        return services;
    }
}
