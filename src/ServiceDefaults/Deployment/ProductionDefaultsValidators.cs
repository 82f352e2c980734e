using Aventora.Persistence;
using Aventora.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Aventora.ServiceDefaults.Deployment;

/// <summary>
/// A declared production process does not start on the local database password: the error names the setting, never the value.
/// </summary>
public sealed class PostgresProductionValidator(DeploymentSafety deployment) : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        if (!deployment.IsDeclaredProduction || string.IsNullOrWhiteSpace(options.ConnectionString)) return ValidateOptionsResult.Skip;
        string? password;
        try
        {
            password = new NpgsqlConnectionStringBuilder(options.ConnectionString).Password;
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Fail("Postgres:ConnectionString cannot be read as an Npgsql connection string.");
        }
        // No password at all is allowed: a passfile, a client certificate or peer authentication may be how this deployment signs in.
        return password is not null && UnsafeDefaults.IsUnsafePassword(password)
            ? ValidateOptionsResult.Fail("Postgres:ConnectionString uses a well-known default password, which a production deployment refuses: "
                + "give the database user a password of its own and pass it in Postgres__ConnectionString.")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>A declared production process does not start on RabbitMQ's or the local broker's default password.</summary>
public sealed class RabbitMqProductionValidator(DeploymentSafety deployment) : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options) =>
        deployment.IsDeclaredProduction && UnsafeDefaults.IsUnsafePassword(options.Password)
            ? ValidateOptionsResult.Fail("RabbitMq:Password is a well-known default password, which a production deployment refuses: "
                + "give the broker user a password of its own and pass it in RabbitMq__Password.")
            : ValidateOptionsResult.Success;
}
