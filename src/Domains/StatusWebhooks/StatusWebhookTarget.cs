using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Aventora.Domains.StatusWebhooks;

/// <summary>
/// Where a domain's status webhook may point. The URL is the tenant's to set, so without limits the delivery would be a door
/// into the operator's network: it must be https and its host must resolve to public addresses, unless the operator names the
/// host in <see cref="StatusWebhookOptions.AllowHttpHosts"/> or <see cref="StatusWebhookOptions.AllowedPrivateHosts"/> (the same
/// rules as the mailbox hosts). Checked when the URL is saved and again at each connection (a name may resolve elsewhere by then).
/// </summary>
public sealed class StatusWebhookTarget(IOptionsMonitor<StatusWebhookOptions> options)
{
    public const string NotHttps = "status_webhook_url must be an absolute https URL (an operator may allow http for a named host with StatusWebhooks:AllowHttpHosts).";
    public const string PrivateHostRefused =
        "status_webhook_url's host resolves to a loopback, link-local or private address, which webhooks may not use (an operator may allow a named host with StatusWebhooks:AllowedPrivateHosts).";
    public const string UnresolvedHost = "status_webhook_url's host does not resolve to an address: check the host name.";

    /// <summary>Why <paramref name="url"/> may not be used, or null (the URL's form and scheme only; see <see cref="ResolveAsync"/>).</summary>
    public string? RefuseUrl(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || url!.Length > 2000
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
            return "status_webhook_url must be an absolute https URL of at most 2000 characters, without user info or fragment.";
        if (uri.Scheme == "http" && !Listed(options.CurrentValue.AllowHttpHosts, uri.Host)) return NotHttps;
        return null;
    }

    /// <summary>The addresses a delivery may connect to for <paramref name="host"/>, or the reason there are none.</summary>
    public async Task<(IPAddress[] Addresses, string? Refusal)> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal)) addresses = [literal];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, cancellationToken); }
            catch (SocketException) { addresses = []; }
            catch (ArgumentException) { addresses = []; }
        }
        if (addresses.Length == 0) return ([], UnresolvedHost);
        if (!Listed(options.CurrentValue.AllowedPrivateHosts, host) && addresses.Any(a => !PublicAddress.IsPublic(a))) return ([], PrivateHostRefused);
        return (addresses, null);
    }

    private static bool Listed(string[] hosts, string host) =>
        hosts.Any(h => string.Equals(h.Trim(), host.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>Is an address on the public internet (not loopback, private, link-local, shared, multicast or reserved)?</summary>
public static class PublicAddress
{
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224          // this network, private, loopback, multicast and reserved
                     || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)                  // shared address space (carrier-grade NAT)
                     || (b[0] == 169 && b[1] == 254)                                // link-local (cloud metadata lives here)
                     || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                     || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                     || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));
        }
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast
                 || address.GetAddressBytes()[0] == 0);
    }
}
