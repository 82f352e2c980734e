using System.Net;
using System.Net.Sockets;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>
/// Connections from another loopback address (any 127.x address is this machine): Ingress charges callers without a known key
/// by their address, so a test plays a caller that is neither Twilio nor the tenant by connecting from 127.0.0.2.
/// </summary>
public static class SourceAddress
{
    public static SocketsHttpHandler Handler(string address) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
