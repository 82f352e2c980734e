using Aventora.Persistence.Migrations;
using FluentMigrator.Runner;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>
/// A database of its own on the run's PostgreSQL, migrated only as far as a test says: for tests about what a migration does
/// to rows an earlier release wrote. Dropped at the end.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _name;

    public NpgsqlDataSource Source { get; }
    public string ConnectionString { get; }

    private ScratchDatabase(string server, string name)
    {
        _server = server;
        _name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        Source = NpgsqlDataSource.Create(ConnectionString);
    }

    public static async Task<ScratchDatabase> CreateAsync(string runConnectionString)
    {
        var name = "aventora_scratch_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = NpgsqlDataSource.Create(runConnectionString);
        await using var create = admin.CreateCommand($"CREATE DATABASE {name}");
        await create.ExecuteNonQueryAsync();
        return new ScratchDatabase(runConnectionString, name);
    }

    /// <summary>Runs one step of FluentMigrator's runner (<c>MigrateUp(version)</c>, <c>MigrateDown(version)</c>, ...) on this database.</summary>
    public void Migrate(Action<IMigrationRunner> step)
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner.AddPostgres().WithGlobalConnectionString(ConnectionString)
                .ScanIn(typeof(DatabaseMigrator).Assembly).For.Migrations())
            .BuildServiceProvider(validateScopes: false);
        using var scope = services.CreateScope();
        step(scope.ServiceProvider.GetRequiredService<IMigrationRunner>());
    }

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(_server);
        // An autovacuum worker on the new database may hold it for a moment (and is not ours to terminate): try again, then
        // leave it, as the run's own database is left when it cannot be dropped (harmless).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException) when (attempt < 10)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300));
            }
            catch (PostgresException)
            {
                return;
            }
        }
    }
}
