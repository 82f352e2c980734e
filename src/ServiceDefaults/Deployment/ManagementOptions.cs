using System.ComponentModel.DataAnnotations;

namespace Aventora.ServiceDefaults.Deployment;

/// <summary>
/// Binds the <c>Management</c> section: who may reach the operational endpoints (Prometheus' <c>/metrics</c>, Ingress.Api's
/// <c>/docs</c> and <c>/openapi/v1.json</c>). They tell an outsider the system's traffic and shape, so a declared production
/// process keeps them off its public port. Health checks stay where load balancers look for them.
/// </summary>
public sealed class ManagementOptions
{
    public const string Section = "Management";

    /// <summary>
    /// A port of this process's own (it must also be in its listening URLs, e.g. <c>ASPNETCORE_URLS=http://+:8080;http://+:9090</c>):
    /// when set, the operational endpoints answer only on connections made to it, whatever <see cref="Public"/> says.
    /// </summary>
    [Range(1, 65535, ErrorMessage = "Management:Port must be a TCP port (1-65535).")]
    public int? Port { get; set; }

    /// <summary>Whether they answer on every port. Unset: yes, unless the process is declared Production.</summary>
    public bool? Public { get; set; }

    /// <summary>Whether a request that reached this process on <paramref name="localPort"/> may use an operational endpoint.</summary>
    public bool Allows(int localPort, DeploymentSafety deployment) =>
        Port is { } port ? localPort == port : Public ?? !deployment.IsDeclaredProduction;
}
