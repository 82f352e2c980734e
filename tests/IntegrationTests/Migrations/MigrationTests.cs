using Aventora.Persistence.Migrations;
using Dapper;
using Aventora.IntegrationTests.Infrastructure;
using FluentMigrator.Runner;
using Npgsql;

namespace Aventora.IntegrationTests.Migrations;

/// <summary>
/// The migrations themselves, on a database of each test's own on the run's PostgreSQL: the channel CHECK constraints keep bad
/// rows out, release 1.15.0 applied over a database of the 1.14.0 era keeps its rows, and going down and up again works.
/// Version numbers are those of <see cref="ReleaseMigrationAttribute"/>: release 1.15.0 step 1 is 101_500_001.
/// </summary>
public sealed class MigrationTests : IAsyncLifetime
{
    private const long V1_14_0 = 1_014_000_01;
    private const long V1_15_0 = 1_015_000_01;

    private readonly string _server = Environment.GetEnvironmentVariable(Infrastructure.Infrastructure.PostgresVariable)
        ?? throw new InvalidOperationException($"The migration tests need {Infrastructure.Infrastructure.PostgresVariable} (see scripts/test.sh).");
    private ScratchDatabase _database = null!;
    private NpgsqlDataSource Data => _database.Source;

    public async Task InitializeAsync() => _database = await ScratchDatabase.CreateAsync(_server);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private void Migrate(Action<IMigrationRunner> step) => _database.Migrate(step);

    private async Task<int> ExecuteAsync(string sql, object? parameters = null)
    {
        await using var db = await Data.OpenConnectionAsync();
        return await db.ExecuteAsync(sql, parameters);
    }

    private Task<int> InsertCallLogAsync(string channel, Guid? id = null, string phone = "+14155550123") => ExecuteAsync("""
        INSERT INTO call_logs (id, domain_name, channel, phone_number, type, instruction, source, status)
        VALUES (@id, 'era-1-14', @channel, @phone, 'reminder', 'Call about Tuesday', 'api', 'received')
        """, new { id = id ?? Guid.NewGuid(), channel, phone });

    /// <summary>The statement must be refused by a CHECK constraint whose name says which column it guards.</summary>
    private static async Task AssertRefusedByCheckAsync(Func<Task> statement, string constraintNamePart)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(statement);
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Contains(constraintNamePart, refused.ConstraintName);
    }

    public static TheoryData<string> BadChannels() => new() { "fax", "whatsapp", "SMS", "Wmsg", "", "sms " };

    [Theory]
    [MemberData(nameof(BadChannels))]
    public async Task Each_channel_constraint_refuses_a_value_outside_the_four_and_takes_the_four(string bad)
    {
        Migrate(r => r.MigrateUp());
        await ExecuteAsync("INSERT INTO domains (name) VALUES ('era-1-14')");

        await AssertRefusedByCheckAsync(() => InsertCallLogAsync(bad), "call_logs_channel_valid");
        await AssertRefusedByCheckAsync(() => InsertMailboxAsync(bad), "email_pull_configs_default_channel_valid");
        await AssertRefusedByCheckAsync(() => InsertBatchAsync(bad), "default_channel");

        // The rows themselves are fine: with each of the four channels they go in.
        foreach (var channel in new[] { "sms", "wmsg", "phone", "wvoice" })
        {
            Assert.Equal(1, await InsertCallLogAsync(channel));
            await ExecuteAsync("DELETE FROM email_pull_configs");
            Assert.Equal(1, await InsertMailboxAsync(channel));
            Assert.Equal(1, await InsertBatchAsync(channel));
        }
    }

    private Task<int> InsertMailboxAsync(string channel) => ExecuteAsync("""
        INSERT INTO email_pull_configs (id, domain_name, imap_host, imap_port, username, password, default_channel)
        VALUES (@id, 'era-1-14', 'imap.example.com', 993, 'ops', 'secret', @channel)
        """, new { id = Guid.NewGuid(), channel });

    private Task<int> InsertBatchAsync(string channel)
    {
        var id = Guid.NewGuid();
        return ExecuteAsync("""
            INSERT INTO batches (id, domain_name, source, default_channel, client_batch_id) VALUES (@id, 'era-1-14', 'api', @channel, @clientId)
            """, new { id, channel, clientId = id.ToString() });
    }

    [Fact]
    public async Task Release_1_15_0_over_a_1_14_0_database_keeps_its_rows_and_then_takes_the_whatsapp_channels()
    {
        Migrate(r => r.MigrateUp(V1_14_0));
        await ExecuteAsync("INSERT INTO domains (name, technical_json) VALUES ('era-1-14', '{\"twilio_sms_number\": \"+14155550100\"}')");
        var (sms, phone) = (Guid.NewGuid(), Guid.NewGuid());
        await InsertCallLogAsync("sms", sms, "+14155550111");
        await InsertCallLogAsync("phone", phone, "+14155550122");
        // Before 1.15.0 the WhatsApp channels are not allowed: the migration is what lets them in.
        await AssertRefusedByCheckAsync(() => InsertCallLogAsync("wmsg"), "call_logs_channel_valid");

        Migrate(r => r.MigrateUp(V1_15_0));
        await AssertEraRowsAsync(sms, phone);
        Assert.Equal(1, await InsertCallLogAsync("wmsg"));
        Assert.Equal(1, await InsertCallLogAsync("wvoice"));
        Assert.Equal(1, await InsertMailboxAsync("wvoice"));
        await AssertRefusedByCheckAsync(() => InsertCallLogAsync("fax"), "call_logs_channel_valid");

        // And the releases after it, over the same rows.
        Migrate(r => r.MigrateUp());
        await AssertEraRowsAsync(sms, phone);
    }

    private async Task AssertEraRowsAsync(Guid sms, Guid phone)
    {
        await using var db = await Data.OpenConnectionAsync();
        var rows = (await db.QueryAsync<(Guid, string, string, string)>(
            "SELECT id, channel, phone_number, status FROM call_logs WHERE id = ANY(@ids) ORDER BY phone_number", new { ids = new[] { sms, phone } })).ToList();
        Assert.Equal([(sms, "sms", "+14155550111", "received"), (phone, "phone", "+14155550122", "received")], rows);
        Assert.Equal("+14155550100", await db.ExecuteScalarAsync<string>("SELECT technical_json->>'twilio_sms_number' FROM domains WHERE name = 'era-1-14'"));
    }

    [Fact]
    public async Task Every_release_after_1_14_0_goes_down_and_up_again_keeping_the_1_14_0_rows()
    {
        Migrate(r => r.MigrateUp());
        await ExecuteAsync("INSERT INTO domains (name, technical_json) VALUES ('era-1-14', '{\"twilio_sms_number\": \"+14155550100\"}')");
        var (sms, phone) = (Guid.NewGuid(), Guid.NewGuid());
        await InsertCallLogAsync("sms", sms, "+14155550111");
        await InsertCallLogAsync("phone", phone, "+14155550122");

        Migrate(r => r.MigrateDown(V1_14_0));
        await AssertEraRowsAsync(sms, phone);
        await AssertRefusedByCheckAsync(() => InsertCallLogAsync("wvoice"), "call_logs_channel_valid");
        await using (var db = await Data.OpenConnectionAsync())
            Assert.Null(await db.ExecuteScalarAsync<string>("SELECT to_regclass('email_pull_configs')::text"));

        Migrate(r => r.MigrateUp());
        await AssertEraRowsAsync(sms, phone);
        Assert.Equal(1, await InsertCallLogAsync("wvoice"));
        Assert.Equal(1, await InsertMailboxAsync("wmsg"));
    }
}
