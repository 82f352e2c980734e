using Aventora.Persistence.Secrets;
using FluentMigrator.Runner;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Applies every pending migration under a PostgreSQL advisory lock, so that several processes
/// starting at once migrate one after the other and the later ones find nothing left to do. Then, under the same lock,
/// encrypts any secret still stored in plain text (rows written before secrets were encrypted).
/// </summary>
public sealed class DatabaseMigrator(
    NpgsqlDataSource dataSource, IOptions<PostgresOptions> postgres, PlainSecretsEncryption plainSecrets, ILoggerFactory loggerFactory)
{
    // Any fixed number: every Aventora process agrees on it.
    private const long AdvisoryLockKey = 0x41_76_65_6E_74_6F_72_61; // "Aventora"

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<DatabaseMigrator>();
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", AdvisoryLockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            using var services = new ServiceCollection()
                .AddSingleton(loggerFactory)
                .AddLogging()
                .AddFluentMigratorCore()
                .ConfigureRunner(runner => runner
                    .AddPostgres()
                    // The data source's own ConnectionString leaves the password out.
                    .WithGlobalConnectionString(postgres.Value.ConnectionString)
                    .ScanIn(typeof(DatabaseMigrator).Assembly).For.Migrations())
                .BuildServiceProvider(validateScopes: false);
            using var scope = services.CreateScope();
            var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
            if (runner.HasMigrationsToApplyUp())
            {
                logger.LogInformation("Applying database migrations");
                runner.MigrateUp();
            }
            await plainSecrets.EncryptAsync(lockConnection, cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", AdvisoryLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
