using Aventora.Persistence;
using Aventora.Persistence.Migrations;
using Aventora.ServiceDefaults.Deployment;
using Aventora.ServiceDefaults.Logging;
using Aventora.ServiceDefaults.Messaging;
using Aventora.ServiceDefaults.Telemetry;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Serilog;

namespace Aventora.ServiceDefaults;

/// <summary>What every Aventora host does the same way, called once from each Program.cs.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Serilog, OpenTelemetry (traces, metrics), PostgreSQL with migrations at startup, MassTransit on RabbitMQ, health checks, validated options.</summary>
    public static WebApplicationBuilder AddServiceDefaults(
        this WebApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        var logFormatter = LogFormat.Formatter(builder.Configuration[LogFormat.Setting]); // a wrong value stops the start, naming the setting
        builder.Services.AddSerilog((services, logger) =>
        {
            logger
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", serviceName)
                .WriteTo.Console(logFormatter);
        }, preserveStaticLogger: true);

        builder.AddTelemetry(serviceName);
        builder.Services.AddPersistence(builder.Configuration);
        // Registered before the bus so the schema is in place before any consumer starts.
        builder.Services.AddHostedService<MigrateAtStartup>();

        builder.Services.AddOptions<IngressOptions>()
            .Bind(builder.Configuration.GetSection(IngressOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<RabbitMqOptions>()
            .Bind(builder.Configuration.GetSection(RabbitMqOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<BatchingOptions>()
            .Bind(builder.Configuration.GetSection(BatchingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddDeploymentSafety(builder.Configuration); // a declared production process refuses the local passwords
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // An outreach backend does not phone home: MassTransit's usage telemetry stays off.
            bus.ConfigureUsageTelemetryOptions(telemetry => telemetry.Enabled = false);
            configureBus?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                // Each endpoint takes at most this many messages at once, matched to the process's database pool (README, "Connection budget").
                rabbit.PrefetchCount = options.PrefetchCount;
                rabbit.ConcurrentMessageLimit = options.ConcurrentMessageLimit;
                rabbit.UseConsumeFilter(typeof(RequestIdLogScopeFilter<>), context);
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Exponential(options.RetryLimit, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(400));
                    retry.Ignore<PermanentFailureException>();
                });
                rabbit.ConfigureEndpoints(context);
            });
        });

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddNpgSql(sp => sp.GetRequiredService<NpgsqlDataSource>(), name: "postgres", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Liveness (<c>/health/live</c>: the process answers), readiness (<c>/health/ready</c>: broker and database reachable) and
    /// Prometheus' <c>/metrics</c>, which a declared production process serves only on its management port (README, "Deployment defaults").
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseManagementEndpoints();
        app.MapTelemetry();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => !check.Tags.Contains("live") });
        return app;
    }

    private sealed class MigrateAtStartup(DatabaseMigrator migrator, ILogger<MigrateAtStartup> logger) : IHostedLifecycleService
    {
        // A process started while PostgreSQL restarts waits for it (about two minutes) instead of dying at the door.
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await migrator.MigrateAsync(cancellationToken);
                    return;
                }
                catch (NpgsqlException e) when (attempt < 24 && (e is not PostgresException pg || pg.IsTransient))
                {
                    logger.LogWarning("The database is not reachable yet ({Reason}); trying again in 5 s", e.GetType().Name);
                    await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                }
            }
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
