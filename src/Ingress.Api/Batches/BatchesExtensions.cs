namespace Aventora.Ingress.Api.Batches;

public static class BatchesExtensions
{
    /// <summary>CSV batches: the processor every producer shares, and the drop-folder watcher when a folder is configured.</summary>
    public static IServiceCollection AddBatches(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BatchOptions>().Bind(configuration.GetSection(BatchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BatchProcessor>();
        services.AddHostedService<DropFolderWatcher>();
        return services;
    }
}
