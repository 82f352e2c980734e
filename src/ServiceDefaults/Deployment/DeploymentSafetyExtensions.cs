using Aventora.Persistence;
using Aventora.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aventora.ServiceDefaults.Deployment;

public static class DeploymentSafetyExtensions
{
    /// <summary>
    /// The production checks on the shared options (database and broker passwords) and who may reach the operational endpoints.
    /// Read from the final configuration, so a test host's environment counts too.
    /// </summary>
    public static IServiceCollection AddDeploymentSafety(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => DeploymentSafety.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IValidateOptions<PostgresOptions>, PostgresProductionValidator>();
        services.AddSingleton<IValidateOptions<RabbitMqOptions>, RabbitMqProductionValidator>();
        services.AddOptions<ManagementOptions>().Bind(configuration.GetSection(ManagementOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
