using Aventora.Persistence.Batches;
using Aventora.Persistence.Campaigns;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Domains;
using Aventora.Persistence.Conversations;
using Aventora.Persistence.EmailPull;
using Aventora.Persistence.Idempotency;
using Aventora.Persistence.Migrations;
using Aventora.Persistence.Secrets;
using Aventora.Persistence.StatusWebhooks;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Aventora.Persistence;

public static class PersistenceExtensions
{
    /// <summary>One Npgsql data source for the process, the migrator and the repositories.</summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddOptions<PostgresOptions>()
            .Bind(configuration.GetSection(PostgresOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Each process opens at most Postgres:MaxPoolSize connections, so all of them together stay inside max_connections.
        services.AddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.BoundedConnectionString()));
        services.AddSecretsAtRest(configuration);
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<CallLogRepository>();
        services.AddSingleton<CallLogStatusRepository>();
        services.AddSingleton<MachineDetectionRepository>();
        services.AddSingleton<RequestLogRepository>();
        services.AddSingleton<RequestStatusHistoryRepository>();
        services.AddSingleton<DomainRepository>();
        services.AddSingleton<ApiKeyRepository>();
        services.AddSingleton<SmsSessionRepository>();
        services.AddSingleton<ConversationTurnRepository>();
        services.AddSingleton<VoiceStreamRepository>();
        services.AddSingleton<OptOutRepository>();
        services.AddSingleton<BatchRepository>();
        services.AddSingleton<EmailPullConfigRepository>();
        services.AddSingleton<EmailPullMessageRepository>();
        services.AddSingleton<IdempotencyKeyRepository>();
        services.AddSingleton<StatusWebhookRepository>();
        services.AddSingleton<StatusWebhookDeliveryRepository>();
        services.AddSingleton<SenderPacingRepository>();
        services.AddSingleton<OutboundHoldRepository>();
        return services;
    }

    /// <summary>
    /// Data Protection with one key ring for every Aventora process: the same application name and the same folder
    /// (<c>DataProtection:KeysFolder</c>), so a token Ingress encrypted is one the workers can decrypt.
    /// </summary>
    private static void AddSecretsAtRest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DataProtectionKeysOptions>()
            .Bind(configuration.GetSection(DataProtectionKeysOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataProtectionKeysOptions>, DataProtectionKeysOptionsValidator>();
        services.AddDataProtection().SetApplicationName("Aventora");
        // The folder is read from the validated options (not at registration), so test hosts' settings apply too.
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<DataProtectionKeysOptions>, ILoggerFactory>((keyManagement, keys, loggers) =>
                keyManagement.XmlRepository = new KeyRingPermissions.OwnerOnlyXmlRepository(
                    new FileSystemXmlRepository(new DirectoryInfo(keys.Value.KeysFolder), loggers)));
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<PlainSecretsEncryption>();
    }
}
