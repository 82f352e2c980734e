using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Aventora.Conversations.Assistant;
using Aventora.Voice.Worker.Streams.Speech;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams.Realtime;

/// <summary>
/// A speech-to-speech model behind any OpenAI-compatible realtime WebSocket (the beta event protocol, <c>OpenAI-Beta: realtime=v1</c>):
/// audio in and out as g711_ulaw, so Twilio's frames pass through untouched; the server's voice activity detection takes turns and
/// answers by itself; the person's audio is transcribed into their turns; the model ends the call through an <c>end_call</c> tool.
/// A barge-in truncates the model's answer to what was played (<c>conversation.item.truncate</c>), so its memory matches the transcript.
/// </summary>
public sealed class RealtimeSpeechPipeline(IOptions<VoiceStreamOptions> options, ILogger<RealtimeSpeechPipeline> logger) : ISpeechPipeline
{
    public const string EndCallTool = "end_call";

    public async Task<ISpeechSession> OpenAsync(SpeechCall call, CancellationToken cancellationToken)
    {
        var realtime = options.Value.Realtime;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {realtime.ApiKey}");
        socket.Options.SetRequestHeader("OpenAI-Beta", "realtime=v1");
        var endpoint = realtime.Endpoint!;
        var url = new Uri($"{endpoint}{(endpoint.Contains('?') ? '&' : '?')}model={Uri.EscapeDataString(realtime.Model)}");
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(realtime.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(url, connect.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            // The message names the endpoint, never the key.
            throw new IOException($"The realtime endpoint {url.GetLeftPart(UriPartial.Path)} could not be reached ({e.GetType().Name}).", e);
        }
        var session = new Session(socket, logger);
        await session.SendAsync(SessionUpdate(call.Brief, realtime), cancellationToken);
        session.StartReading();
        return session;
    }

    private static JsonObject SessionUpdate(ConversationBrief brief, RealtimeOptions realtime) => new()
    {
        ["type"] = "session.update",
        ["session"] = new JsonObject
        {
            ["modalities"] = new JsonArray("audio", "text"),
            ["instructions"] = Instructions(brief),
            ["voice"] = realtime.Voice,
            ["input_audio_format"] = "g711_ulaw",
            ["output_audio_format"] = "g711_ulaw",
            ["input_audio_transcription"] = new JsonObject { ["model"] = realtime.TranscriptionModel },
            ["turn_detection"] = new JsonObject { ["type"] = "server_vad", ["silence_duration_ms"] = 500 },
            ["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "function",
                ["name"] = EndCallTool,
                ["description"] = "Hang up the call. Call it after your goodbye, once the conversation has reached its end.",
                ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() },
            }),
            ["tool_choice"] = "auto",
        },
    };

    private static string Instructions(ConversationBrief brief) =>
        $"You are the voice assistant of {brief.DomainName ?? "a business"} on {(brief.Channel == "wvoice" ? "a WhatsApp voice call" : "a phone call")}. " +
        $"The purpose of this call ({brief.Type}): {brief.Instruction} " +
        (string.IsNullOrWhiteSpace(brief.Name) ? "" : $"The person's name is {brief.Name}. ") +
        "Open the call yourself. Speak briefly and politely, one or two sentences at a time. " +
        $"When the conversation has reached its end, say goodbye and call {EndCallTool}.";

    private sealed class Session(ClientWebSocket socket, ILogger logger) : ISpeechSession
    {
        private readonly Channel<SpeechEvent> _events = Channel.CreateUnbounded<SpeechEvent>(new UnboundedChannelOptions { SingleReader = true });
        private readonly SemaphoreSlim _send = new(1, 1);
        private readonly CancellationTokenSource _closing = new();
        private readonly Dictionary<string, StringBuilder> _pendingText = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _audioItems = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private Task _reading = Task.CompletedTask;

        public ChannelReader<SpeechEvent> Events => _events.Reader;

        public void StartReading() => _reading = Task.Run(ReadAsync);

        public Task StartAsync(CancellationToken cancellationToken) =>
            SendAsync(new JsonObject { ["type"] = "response.create" }, cancellationToken);

        public async ValueTask HearAsync(ReadOnlyMemory<byte> ulaw, CancellationToken cancellationToken) =>
            await SendAsync(new JsonObject { ["type"] = "input_audio_buffer.append", ["audio"] = Convert.ToBase64String(ulaw.Span) }, cancellationToken);

        public async ValueTask DigitAsync(string digit, CancellationToken cancellationToken)
        {
            _events.Writer.TryWrite(new PersonSaid(digit));
            await SendAsync(new JsonObject
            {
                ["type"] = "conversation.item.create",
                ["item"] = new JsonObject
                {
                    ["type"] = "message", ["role"] = "user",
                    ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = $"(The person pressed {digit} on the keypad.)" }),
                },
            }, cancellationToken);
            await SendAsync(new JsonObject { ["type"] = "response.create" }, cancellationToken);
        }

        // The server's turn detection answers by itself.
        public Task PersonTurnRecordedAsync(IReadOnlyList<Turn> transcript, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task InterruptedAsync(string responseId, TimeSpan played, CancellationToken cancellationToken)
        {
            string? item;
            lock (_gate) _audioItems.TryGetValue(responseId, out item);
            return item is null ? Task.CompletedTask : SendAsync(new JsonObject
            {
                ["type"] = "conversation.item.truncate", ["item_id"] = item, ["content_index"] = 0, ["audio_end_ms"] = (int)played.TotalMilliseconds,
            }, cancellationToken);
        }

        public async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _send.WaitAsync(cancellationToken);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
            }
            finally
            {
                _send.Release();
            }
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[16 * 1024];
            using var message = new MemoryStream();
            try
            {
                while (!_closing.IsCancellationRequested)
                {
                    var result = await socket.ReceiveAsync(buffer, _closing.Token);
                    if (result.MessageType == WebSocketMessageType.Close) break;
                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage) continue;
                    var json = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)) as JsonObject;
                    message.SetLength(0);
                    if (json is not null) Handle(json);
                }
                if (!_closing.IsCancellationRequested) _events.Writer.TryWrite(new SpeechFailed("the realtime endpoint closed the session"));
            }
            catch (Exception e) when (!_closing.IsCancellationRequested)
            {
                _events.Writer.TryWrite(new SpeechFailed($"the realtime session failed ({e.GetType().Name})"));
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }
            finally
            {
                _events.Writer.TryComplete();
            }
        }

        private void Handle(JsonObject json)
        {
            switch (Text(json["type"]))
            {
                case "input_audio_buffer.speech_started":
                    _events.Writer.TryWrite(new SpeechStarted());
                    break;
                case "conversation.item.input_audio_transcription.completed":
                    _events.Writer.TryWrite(new PersonSaid((Text(json["transcript"]) ?? "").Trim()));
                    break;
                case "response.audio_transcript.delta" when Text(json["response_id"]) is { } id:
                    lock (_gate)
                    {
                        if (!_pendingText.TryGetValue(id, out var text)) _pendingText[id] = text = new StringBuilder();
                        text.Append(Text(json["delta"]));
                    }
                    break;
                case "response.audio.delta" when Text(json["response_id"]) is { } id && Text(json["delta"]) is { } delta:
                    string words;
                    lock (_gate)
                    {
                        if (Text(json["item_id"]) is { } item) _audioItems[id] = item;
                        words = _pendingText.Remove(id, out var text) ? text.ToString().Trim() : "";
                    }
                    _events.Writer.TryWrite(new AssistantAudio(id, Convert.FromBase64String(delta), words));
                    break;
                case "response.done" when json["response"] is JsonObject response && Text(response["id"]) is { } id:
                    if (Text(response["status"]) != "completed") break; // cancelled by a barge-in: the stream keeps what was heard
                    var output = response["output"] as JsonArray ?? [];
                    var transcript = string.Join(' ', output.OfType<JsonObject>()
                        .SelectMany(item => item["content"] as JsonArray ?? []).OfType<JsonObject>()
                        .Select(content => Text(content["transcript"])).Where(t => !string.IsNullOrWhiteSpace(t)));
                    var ends = output.OfType<JsonObject>().Any(item => Text(item["type"]) == "function_call" && Text(item["name"]) == EndCallTool);
                    _events.Writer.TryWrite(new AssistantDone(id, transcript.Trim(), ends));
                    break;
                case "error":
                    logger.LogWarning("The realtime endpoint reported an error: {Error}", Text(json["error"]?["message"]) ?? "(no message)");
                    break;
            }
        }

        private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

        public async ValueTask DisposeAsync()
        {
            await _closing.CancelAsync();
            try
            {
                if (socket.State == WebSocketState.Open)
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended", CancellationToken.None);
            }
            catch (Exception e) when (e is WebSocketException or IOException)
            {
                // Gone already.
            }
            await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
            socket.Dispose();
            _events.Writer.TryComplete();
        }
    }
}
