using Dapper;
using Npgsql;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>
/// A database fault on one person's <c>call_logs</c> row, as a PostgreSQL outage looks to the services: every UPDATE matching
/// <c>condition</c> (over OLD and NEW) fails with 53300 (too many connections, what an exhausted server answers) until
/// <see cref="HealAsync"/>. Only that number's rows are touched, so the other tests of the run go on undisturbed. Each refusal is
/// counted in a sequence (outside the failing transaction), so a test can wait until the services have met the fault.
/// </summary>
public sealed class DatabaseFault : IAsyncDisposable
{
    private static int _count;
    private readonly NpgsqlDataSource _database;
    private readonly string _name;

    private DatabaseFault(NpgsqlDataSource database, string name)
    {
        _database = database;
        _name = name;
    }

    public static async Task<DatabaseFault> OnCallLogUpdateAsync(NpgsqlDataSource database, string phoneNumber, string condition)
    {
        var name = $"test_fault_{Interlocked.Increment(ref _count)}_{Environment.ProcessId}";
        await using var db = await database.OpenConnectionAsync();
        await db.ExecuteAsync($"""
            CREATE SEQUENCE {name}_hits;
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                IF NEW.phone_number = '{phoneNumber}' AND ({condition}) THEN
                    PERFORM nextval('{name}_hits');
                    RAISE EXCEPTION 'injected fault: the database is away' USING ERRCODE = '53300';
                END IF;
                RETURN NEW;
            END $fn$;
            CREATE TRIGGER {name} BEFORE UPDATE ON call_logs FOR EACH ROW EXECUTE FUNCTION {name}();
            """);
        return new DatabaseFault(database, name);
    }

    /// <summary>How many updates the fault refused so far.</summary>
    public async Task<long> HitsAsync()
    {
        await using var db = await _database.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<long>($"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {_name}_hits");
    }

    public Task WaitForHitsAsync(long hits) =>
        Eventually.Get(async () => (long?)await HitsAsync(), h => h >= hits, $"the services to meet the database fault {hits} times");

    public async Task HealAsync()
    {
        await using var db = await _database.OpenConnectionAsync();
        await db.ExecuteAsync($"DROP TRIGGER IF EXISTS {_name} ON call_logs; DROP FUNCTION IF EXISTS {_name}(); DROP SEQUENCE IF EXISTS {_name}_hits;");
    }

    public async ValueTask DisposeAsync() => await HealAsync();
}
