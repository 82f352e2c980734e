using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Aventora.ServiceDefaults.Deployment;

/// <summary>
/// Whether this process was declared a production deployment: <c>ASPNETCORE_ENVIRONMENT</c> or <c>DOTNET_ENVIRONMENT</c> (or
/// <c>--environment</c>) says <c>Production</c>. Only a declared one refuses the local defaults: a process started with no
/// environment at all (scripts/run.sh, the bench and fault suites) is also "Production" to ASP.NET Core, and keeps working as before.
/// The container image declares Production (Dockerfile), so a deployment has to say otherwise to get the local defaults.
/// </summary>
public sealed record DeploymentSafety(bool IsDeclaredProduction)
{
    public static DeploymentSafety From(IConfiguration configuration) =>
        new(string.Equals(configuration[HostDefaults.EnvironmentKey], Environments.Production, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The values this repository ships for local runs, which everybody who has read it knows; never valid in production.</summary>
public static class UnsafeDefaults
{
    public const string AdminApiKey = "local-admin-key-change-me";

    /// <summary>Passwords of the local PostgreSQL and RabbitMQ (scripts/infra.sh, docker-compose.yml) and RabbitMQ's own default.</summary>
    public static readonly IReadOnlySet<string> Passwords = new HashSet<string>(StringComparer.Ordinal) { "aventora", "guest", "postgres", "password" };

    public static bool IsUnsafePassword(string? password) => string.IsNullOrEmpty(password) || Passwords.Contains(password);
}
