using System.Net;
using System.Net.Sockets;
using Aventora.Persistence.EmailPull;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>
/// Opens a logged-in IMAP session to a domain's mailbox, for the poller and for the settings' "test connection": the host is
/// checked by <see cref="MailboxHostPolicy"/> first, and the password goes only to the checked address, over TLS unless the
/// operator allowed plain IMAP for the host. Failures are <see cref="MailboxRefusedException"/> or MailKit's own exceptions,
/// for <see cref="MailboxErrors.Describe"/> to turn into a fixed sentence.
/// </summary>
public sealed class MailboxConnector(MailboxHostPolicy hosts, IOptions<EmailPullOptions> options)
{
    public async Task<ImapClient> OpenAsync(EmailPullConfig config, CancellationToken ct, CancellationToken stopping)
    {
        if (hosts.RefuseTlsMode(config.ImapHost, config.TlsMode) is { } plain) throw new MailboxRefusedException(plain);
        var (addresses, refusal) = await hosts.ResolveAsync(config.ImapHost, ct);
        if (refusal is not null) throw new MailboxRefusedException(refusal);

        var client = new ImapClient { Timeout = (int)options.Value.ConnectTimeout.TotalMilliseconds };
        try
        {
            try
            {
                var socket = await ConnectAsync(addresses, config.ImapPort, ct);
                await client.ConnectAsync(socket, config.ImapHost, config.ImapPort, config.TlsMode switch
                {
                    "ssl" => SecureSocketOptions.SslOnConnect,
                    "starttls" => SecureSocketOptions.StartTls,
                    _ => SecureSocketOptions.None,
                }, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                // Closed, silent, reset, not IMAP, no TLS: all read the same, so last_error tells nothing about the port.
                throw new MailboxRefusedException(MailboxErrors.Unreachable);
            }
            // Belt and braces: whatever the settings say, the password crosses the wire in clear only to a host the operator named.
            if (!client.IsSecure && !hosts.MayUsePlainImap(config.ImapHost)) throw new MailboxRefusedException(MailboxHostPolicy.PlainImapRefused);
            await client.AuthenticateAsync(config.Username, config.Password, ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>A TCP connection to the first of the checked addresses that answers, so a name cannot resolve elsewhere in between.</summary>
    private async Task<Socket> ConnectAsync(IPAddress[] addresses, int port, CancellationToken ct)
    {
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connectTimeout.CancelAfter(options.Value.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), connectTimeout.Token);
                return socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                socket.Dispose();
                last = e as SocketException ?? new SocketException((int)SocketError.TimedOut);
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
