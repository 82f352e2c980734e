using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>
/// Where a tenant's mailbox may point. A domain key sets imap_host and imap_port, so without limits the poller is a door into
/// the operator's network (and, with <c>tls_mode: none</c>, a way to have the password sent in clear text to any listener).
/// Hosts must resolve to public addresses and be spoken to over TLS, unless the operator names them in
/// <see cref="EmailPullOptions.AllowedPrivateHosts"/> or <see cref="EmailPullOptions.AllowPlainImapHosts"/>. Checked when the
/// settings are saved and again before every poll (a name may resolve elsewhere by then); the poll connects to the very
/// address that was checked.
/// </summary>
public sealed class MailboxHostPolicy(IOptionsMonitor<EmailPullOptions> options)
{
    public const string PlainImapRefused =
        "tls_mode 'none' would send the mailbox password in clear text; use ssl or starttls (an operator may allow plain IMAP for a named host with EmailPull:AllowPlainImapHosts).";
    public const string PrivateHostRefused =
        "imap_host resolves to a loopback, link-local or private address, which mailboxes may not use (an operator may allow a named host with EmailPull:AllowedPrivateHosts).";
    public const string UnresolvedHost = "imap_host does not resolve to an address: check the host name.";

    /// <summary>May the password go to <paramref name="host"/> without TLS?</summary>
    public bool MayUsePlainImap(string host) => Listed(options.CurrentValue.AllowPlainImapHosts, host);

    /// <summary>Why <paramref name="tlsMode"/> is refused for <paramref name="host"/>, or null.</summary>
    public string? RefuseTlsMode(string host, string tlsMode) => tlsMode == "none" && !MayUsePlainImap(host) ? PlainImapRefused : null;

    /// <summary>The addresses the poller may connect to for <paramref name="host"/>, or the reason there are none.</summary>
    public async Task<(IPAddress[] Addresses, string? Refusal)> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal)) addresses = [literal];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, cancellationToken); }
            catch (SocketException) { addresses = []; }
            catch (ArgumentException) { addresses = []; }
        }
        if (addresses.Length == 0) return ([], UnresolvedHost);
        if (!Listed(options.CurrentValue.AllowedPrivateHosts, host) && addresses.Any(a => !IsPublic(a))) return ([], PrivateHostRefused);
        return (addresses, null);
    }

    /// <summary>Is <paramref name="address"/> on the public internet (not loopback, private, link-local, shared, multicast or reserved)?</summary>
    public static bool IsPublic(IPAddress address) => Aventora.Domains.StatusWebhooks.PublicAddress.IsPublic(address);

    private static bool Listed(string[] hosts, string host) =>
        hosts.Any(h => string.Equals(h.Trim(), host.Trim(), StringComparison.OrdinalIgnoreCase));
}
