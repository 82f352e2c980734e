using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Aventora.Admin.Web.Session;

/// <summary>
/// Binds <c>TrustedProxies</c>: the TLS-terminating proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the console
/// believes, so a request that reached the proxy over HTTPS is HTTPS here too (the sign-in cookie gets Secure, HSTS is sent).
/// Loopback is always trusted; a header from anybody else is ignored.
/// </summary>
public sealed class TrustedProxiesOptions : IValidatableObject
{
    public const string Section = "TrustedProxies";

    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>.</summary>
    public string[] Addresses { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>172.16.0.0/12</c> for a Docker network.</summary>
    public string[] Networks { get; set; } = [];

    /// <summary>How many proxies in a row may add themselves to <c>X-Forwarded-For</c>.</summary>
    [Range(1, 10, ErrorMessage = "TrustedProxies:ForwardLimit must be between 1 and 10.")]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var address in Addresses.Where(a => !IPAddress.TryParse(a, out _)))
            yield return new ValidationResult($"TrustedProxies:Addresses holds '{address}', which is not an IP address.");
        foreach (var network in Networks.Where(n => !IPNetwork.TryParse(n, out _)))
            yield return new ValidationResult($"TrustedProxies:Networks holds '{network}', which is not a network in CIDR notation (e.g. 10.0.0.0/8).");
    }
}
