using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// Twilio's side of a Media Stream: JSON text frames. In: connected, start, media, dtmf, mark, stop. Out: media, mark, clear
/// (base64 µ-law 8 kHz). A message is read up to <c>VoiceStream:MaxMessageBytes</c>, no further. Sends are serialised (a
/// WebSocket takes one send at a time); one loop receives.
/// </summary>
public sealed class TwilioStreamSocket(WebSocket socket, int maxMessageBytes)
{
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly byte[] _buffer = new byte[8 * 1024];

    public string StreamSid { get; set; } = "";

    /// <summary>The next message, or null once the other side closed the stream.</summary>
    public async Task<JsonObject?> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(_buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(_buffer, 0, result.Count);
            if (message.Length > maxMessageBytes) throw new MessageTooLargeException(maxMessageBytes);
            if (!result.EndOfMessage) continue;
            if (result.MessageType != WebSocketMessageType.Text) throw new InvalidDataException("Media Stream messages are JSON text frames.");
            return JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)) as JsonObject
                   ?? throw new InvalidDataException("A Media Stream message was not a JSON object.");
        }
    }

    public Task SendMediaAsync(byte[] ulaw, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["event"] = "media", ["streamSid"] = StreamSid, ["media"] = new JsonObject { ["payload"] = Convert.ToBase64String(ulaw) } }, cancellationToken);

    public Task SendMarkAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["event"] = "mark", ["streamSid"] = StreamSid, ["mark"] = new JsonObject { ["name"] = name } }, cancellationToken);

    public Task SendClearAsync(CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["event"] = "clear", ["streamSid"] = StreamSid }, cancellationToken);

    /// <summary>Ends the stream from our side (Twilio then goes on with the call's TwiML); a dead socket is left as it is.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        await _send.WaitAsync();
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // Already gone: nothing to close.
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (socket.State == WebSocketState.Open)
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>A message beyond <c>VoiceStream:MaxMessageBytes</c>: read no further, the stream is closed with 1009.</summary>
    public sealed class MessageTooLargeException(int limit) : IOException($"A Media Stream message was larger than {limit} bytes (VoiceStream:MaxMessageBytes).");

    public static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
