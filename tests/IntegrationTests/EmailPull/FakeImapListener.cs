using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Aventora.IntegrationTests.EmailPull;

/// <summary>
/// A listener a hostile tenant might point a mailbox at: it greets like an IMAP server and records every line it receives
/// (a LOGIN with the password, if the poller were fooled), hangs without a word, or answers like something that is not IMAP.
/// </summary>
public sealed class FakeImapListener : IAsyncDisposable
{
    public enum Behaviour { Imap, Silent, NotImap }

    private readonly TcpListener _listener;
    private readonly Behaviour _behaviour;
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _received = new();
    private readonly Task _accepting;
    private int _connections;

    public FakeImapListener(Behaviour behaviour, string address = "127.0.0.1")
    {
        _behaviour = behaviour;
        _listener = new TcpListener(IPAddress.Parse(address), 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);

    public string Received
    {
        get { lock (_received) return _received.ToString(); }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            if (_behaviour == Behaviour.Silent) { await Task.Delay(Timeout.Infinite, _stop.Token); return; }
            var writer = new StreamWriter(stream) { NewLine = "\r\n", AutoFlush = true };
            if (_behaviour == Behaviour.NotImap) { await writer.WriteLineAsync("SSH-2.0-OpenSSH_9.6"); await Task.Delay(200); return; }
            await writer.WriteLineAsync("* OK [CAPABILITY IMAP4rev1] ready");
            var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_received) _received.AppendLine(line);
                var tag = line.Split(' ')[0];
                if (line.Contains("CAPABILITY", StringComparison.OrdinalIgnoreCase))
                    await writer.WriteLineAsync($"* CAPABILITY IMAP4rev1\r\n{tag} OK done");
                else await writer.WriteLineAsync($"{tag} NO go away");
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
