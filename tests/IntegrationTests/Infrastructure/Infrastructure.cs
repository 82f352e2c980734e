using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>Where the real broker and database of a test run are, and what this run made in them.</summary>
public sealed record BrokerAddress(string Host, int Port, string VirtualHost, string Username, string Password);

/// <summary>
/// Finds the broker and database once per run: addresses from the environment (what scripts/test.sh sets after
/// scripts/infra.sh started them), else Testcontainers where Docker is present. Each run gets its own database and,
/// where the broker's management API is reachable, its own virtual host, dropped at the end.
/// </summary>
public sealed class Infrastructure : IAsyncDisposable
{
    public const string PostgresVariable = "AVENTORA_TEST_POSTGRES";
    public const string RabbitMqVariable = "AVENTORA_TEST_RABBITMQ";
    public const string RabbitMqManagementVariable = "AVENTORA_TEST_RABBITMQ_MANAGEMENT";

    private readonly List<Func<Task>> _cleanup = [];

    public required string PostgresConnectionString { get; init; }
    public required BrokerAddress Broker { get; init; }

    private Infrastructure() { }

    public static async Task<Infrastructure> StartAsync()
    {
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        var rabbit = Environment.GetEnvironmentVariable(RabbitMqVariable);
        var cleanup = new List<Func<Task>>();

        if (string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(rabbit))
        {
            if (!DockerIsPresent())
            {
                throw new InvalidOperationException(
                    $"No broker or database for the integration tests. Run `bash scripts/test.sh` (it installs and starts RabbitMQ and PostgreSQL " +
                    $"from Debian's packages), or start them with `bash scripts/infra.sh` and set {PostgresVariable} (an Npgsql connection string " +
                    $"whose user may create databases) and {RabbitMqVariable} (amqp://user:password@host:port/vhost), or run where Docker is present.");
            }
            var pg = new PostgreSqlBuilder("postgres:16-alpine").Build();
            var mq = new RabbitMqBuilder("rabbitmq:3.13-management-alpine").Build();
            await Task.WhenAll(pg.StartAsync(), mq.StartAsync());
            cleanup.Add(async () => await pg.DisposeAsync());
            cleanup.Add(async () => await mq.DisposeAsync());
            postgres = pg.GetConnectionString();
            rabbit = mq.GetConnectionString();
        }

        var broker = ParseAmqp(rabbit);
        var management = Environment.GetEnvironmentVariable(RabbitMqManagementVariable);
        if (!string.IsNullOrEmpty(management))
        {
            broker = await CreateVirtualHostAsync(management, broker, cleanup);
        }

        var database = "aventora_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = NpgsqlDataSource.Create(postgres))
        {
            await using var create = admin.CreateCommand($"CREATE DATABASE {database}");
            await create.ExecuteNonQueryAsync();
        }
        cleanup.Add(async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(postgres);
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        });

        var infrastructure = new Infrastructure
        {
            PostgresConnectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString,
            Broker = broker,
        };
        infrastructure._cleanup.AddRange(cleanup);
        return infrastructure;
    }

    private static bool DockerIsPresent() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static BrokerAddress ParseAmqp(string uri)
    {
        var parsed = new Uri(uri);
        var credentials = Uri.UnescapeDataString(parsed.UserInfo).Split(':', 2);
        var vhost = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/'));
        return new BrokerAddress(parsed.Host, parsed.Port > 0 ? parsed.Port : 5672, vhost.Length == 0 ? "/" : vhost,
            credentials.ElementAtOrDefault(0) is { Length: > 0 } u ? u : "guest", credentials.ElementAtOrDefault(1) ?? "guest");
    }

    // A virtual host of its own keeps this run's queues apart from the local system's and from other runs.
    private static async Task<BrokerAddress> CreateVirtualHostAsync(string managementUrl, BrokerAddress broker, List<Func<Task>> cleanup)
    {
        var vhost = "aventora-test-" + Guid.NewGuid().ToString("N")[..12];
        var http = new HttpClient { BaseAddress = new Uri(managementUrl.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        (await http.PutAsync($"api/vhosts/{vhost}", new StringContent("{}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await http.PutAsync($"api/permissions/{vhost}/{Uri.EscapeDataString(broker.Username)}",
            new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        cleanup.Add(async () => { using (http) await http.DeleteAsync($"api/vhosts/{vhost}"); });
        return broker with { VirtualHost = vhost };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var step in Enumerable.Reverse(_cleanup))
        {
            try { await step(); } catch { /* best effort: a leftover test database or vhost is harmless */ }
        }
    }
}
