using Aventora.Ingress.Api.Auth;
using Aventora.Persistence;
using Aventora.ServiceDefaults.Deployment;
using Aventora.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;

namespace Aventora.UnitTests.Deployment;

/// <summary>
/// A declared production process refuses the values this repository ships for local runs, naming the setting and never the secret;
/// anything else (no environment, Development, the tests' Testing) keeps them.
/// </summary>
public sealed class ProductionDefaultsTests
{
    private static readonly DeploymentSafety Production = new(IsDeclaredProduction: true);
    private static readonly DeploymentSafety Local = new(IsDeclaredProduction: false);

    [Theory]
    [InlineData("Production", true)]
    [InlineData("production", true)]
    [InlineData("Development", false)]
    [InlineData("Testing", false)]
    [InlineData(null, false)] // nothing declared: scripts/run.sh, the bench and the fault suite
    public void Only_an_environment_declared_Production_refuses_the_local_defaults(string? environment, bool refuses)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["environment"] = environment }).Build();
        Assert.Equal(refuses, DeploymentSafety.From(configuration).IsDeclaredProduction);
    }

    [Fact]
    public void The_local_admin_key_is_refused_in_production_by_name_without_the_key()
    {
        var options = new AdminOptions { ApiKey = UnsafeDefaults.AdminApiKey };
        var result = new AdminOptionsProductionValidator(Production).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Admin:ApiKey", result.FailureMessage);
        Assert.DoesNotContain(UnsafeDefaults.AdminApiKey, result.FailureMessage);
        Assert.True(new AdminOptionsProductionValidator(Local).Validate(null, options).Succeeded);
        Assert.True(new AdminOptionsProductionValidator(Production).Validate(null, new AdminOptions { ApiKey = "3f9c1e0a7b5d4c2e8f6a1b3c5d7e9f0a" }).Succeeded);
    }

    [Theory]
    [InlineData("aventora")]
    [InlineData("guest")]
    public void A_default_database_password_is_refused_in_production_by_name_without_the_password(string password)
    {
        var options = new PostgresOptions { ConnectionString = $"Host=db;Database=aventora;Username=aventora;Password={password}" };
        var result = new PostgresProductionValidator(Production).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Postgres:ConnectionString", result.FailureMessage);
        Assert.DoesNotContain("Password=", result.FailureMessage);
        Assert.DoesNotContain($"={password}", result.FailureMessage);
        Assert.False(new PostgresProductionValidator(Local).Validate(null, options).Failed);
        Assert.True(new PostgresProductionValidator(Production).Validate(null,
            new PostgresOptions { ConnectionString = "Host=db;Database=aventora;Username=aventora;Password=Xk2-long-and-random" }).Succeeded);
    }

    [Theory]
    [InlineData("aventora")]
    [InlineData("guest")]
    public void A_default_broker_password_is_refused_in_production_by_name_without_the_password(string password)
    {
        var options = new RabbitMqOptions { Username = "aventora", Password = password };
        var result = new RabbitMqProductionValidator(Production).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("RabbitMq:Password", result.FailureMessage);
        Assert.DoesNotContain($"'{password}'", result.FailureMessage);
        Assert.True(new RabbitMqProductionValidator(Local).Validate(null, options).Succeeded);
        Assert.True(new RabbitMqProductionValidator(Production).Validate(null, new RabbitMqOptions { Password = "Xk2-long-and-random" }).Succeeded);
    }

    [Fact]
    public void Operational_endpoints_are_public_locally_closed_in_production_and_only_on_the_management_port_when_one_is_set()
    {
        Assert.True(new ManagementOptions().Allows(8080, Local));
        Assert.False(new ManagementOptions().Allows(8080, Production));
        Assert.True(new ManagementOptions { Public = true }.Allows(8080, Production));
        Assert.False(new ManagementOptions { Public = false }.Allows(8080, Local));
        var port = new ManagementOptions { Port = 9090, Public = true };
        Assert.True(port.Allows(9090, Production));
        Assert.False(port.Allows(8080, Production));
        Assert.False(port.Allows(8080, Local));
    }
}
