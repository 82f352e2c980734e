using Aventora.Persistence.Batches;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Domains;
using Aventora.Persistence.Conversations;
using Aventora.Persistence.EmailPull;
using Aventora.Persistence.Idempotency;
using Aventora.Persistence.Migrations;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<CallLogRepository>();
        services.AddSingleton<CallLogStatusRepository>();
        services.AddSingleton<DomainRepository>();
        services.AddSingleton<ApiKeyRepository>();
        services.AddSingleton<SmsSessionRepository>();
        services.AddSingleton<ConversationTurnRepository>();
        services.AddSingleton<OptOutRepository>();
        services.AddSingleton<BatchRepository>();
        services.AddSingleton<EmailPullConfigRepository>();
        services.AddSingleton<EmailPullMessageRepository>();
        services.AddSingleton<IdempotencyKeyRepository>();
        return services;
    }
}
