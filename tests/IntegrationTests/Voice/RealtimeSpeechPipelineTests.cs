using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.Conversations.Assistant;
using Aventora.Voice.Worker.Streams;
using Aventora.Voice.Worker.Streams.Realtime;
using Aventora.Voice.Worker.Streams.Speech;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aventora.IntegrationTests.Voice;

/// <summary>
/// The realtime pipeline against a local WebSocket server that speaks the subset of the OpenAI realtime protocol it uses
/// (no real provider is reachable here): what it configures, how audio and turns flow, how a barge-in truncates, how a
/// failure surfaces.
/// </summary>
public sealed class RealtimeSpeechPipelineTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<JsonObject> _received = new();
    private readonly ConcurrentQueue<string> _headers = new();
    private WebApplication _server = null!;
    private bool _closeAfterSessionUpdate;
    private static readonly byte[] AnswerAudio = Enumerable.Repeat((byte)0x10, 320).ToArray();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        _server = builder.Build();
        _server.UseWebSockets();
        _server.Map("/v1/realtime", ServeAsync);
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Audio_turns_and_the_end_of_the_call_flow_through_the_realtime_protocol()
    {
        await using var session = await OpenAsync();
        await session.StartAsync(CancellationToken.None);

        var audio = Assert.IsType<AssistantAudio>(await NextAsync(session));
        Assert.Equal(("resp_1", "Hello Noor,"), (audio.ResponseId, audio.Text));
        Assert.Equal(AnswerAudio, audio.Audio);
        Assert.Equal(new AssistantDone("resp_1", "Hello Noor, can you confirm?", false), await NextAsync(session));

        await session.HearAsync(new byte[160], CancellationToken.None);
        Assert.IsType<SpeechStarted>(await NextAsync(session));
        Assert.Equal(new PersonSaid("yes please"), await NextAsync(session));
        Assert.Equal(new AssistantDone("resp_2", "Thank you, goodbye.", true), await NextAsync(session));

        await session.InterruptedAsync("resp_1", TimeSpan.FromMilliseconds(40), CancellationToken.None);
        var truncate = await Eventually(() => _received.FirstOrDefault(m => Type(m) == "conversation.item.truncate"));
        Assert.Equal("item_1", truncate["item_id"]!.GetValue<string>());
        Assert.Equal(40, truncate["audio_end_ms"]!.GetValue<int>());

        var update = _received.First(m => Type(m) == "session.update")["session"]!;
        Assert.Equal("g711_ulaw", update["input_audio_format"]!.GetValue<string>());
        Assert.Equal("g711_ulaw", update["output_audio_format"]!.GetValue<string>());
        Assert.Equal("server_vad", update["turn_detection"]!["type"]!.GetValue<string>());
        Assert.Contains("Book a follow-up visit", update["instructions"]!.GetValue<string>());
        Assert.Equal(RealtimeSpeechPipeline.EndCallTool, update["tools"]![0]!["name"]!.GetValue<string>());
        Assert.Contains(_received, m => Type(m) == "input_audio_buffer.append" && m["audio"]!.GetValue<string>() == Convert.ToBase64String(new byte[160]));
        Assert.Contains("Bearer test-key|realtime=v1|model=test-model", _headers);
    }

    [Fact]
    public async Task A_key_press_becomes_a_turn_and_a_request_for_an_answer()
    {
        await using var session = await OpenAsync();
        await session.DigitAsync("1", CancellationToken.None);
        Assert.Equal(new PersonSaid("1"), await NextAsync(session));
        await Eventually(() => _received.FirstOrDefault(m => Type(m) == "response.create"));
        Assert.Contains(_received, m => Type(m) == "conversation.item.create" && m.ToJsonString().Contains("pressed 1"));
    }

    [Fact]
    public async Task A_provider_that_goes_away_fails_the_session()
    {
        _closeAfterSessionUpdate = true;
        await using var session = await OpenAsync();
        Assert.IsType<SpeechFailed>(await NextAsync(session));
    }

    [Fact]
    public void The_realtime_pipeline_needs_an_endpoint_and_a_key()
    {
        var options = new VoiceStreamOptions { Pipeline = "realtime", Realtime = new RealtimeOptions { Endpoint = "https://not-a-websocket" } };
        var errors = options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage).ToList();
        Assert.Contains(errors, e => e!.Contains("VoiceStream:Realtime:Endpoint"));
        Assert.Contains(errors, e => e!.Contains("VoiceStream:Realtime:ApiKey"));
    }

    private async Task<ISpeechSession> OpenAsync()
    {
        var options = new VoiceStreamOptions
        {
            Pipeline = "realtime",
            Realtime = new RealtimeOptions { Endpoint = _server.Urls.First().Replace("http", "ws") + "/v1/realtime", ApiKey = "test-key", Model = "test-model" },
        };
        var pipeline = new RealtimeSpeechPipeline(Options.Create(options), NullLogger<RealtimeSpeechPipeline>.Instance);
        return await pipeline.OpenAsync(
            new SpeechCall(Guid.NewGuid(), new ConversationBrief("acme", "phone", "confirmation", "Book a follow-up visit", "Noor")), CancellationToken.None);
    }

    private static async Task<SpeechEvent> NextAsync(ISpeechSession session)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await session.Events.ReadAsync(timeout.Token);
    }

    private static async Task<T> Eventually<T>(Func<T?> probe) where T : class =>
        await Infrastructure.Eventually.Get(() => Task.FromResult(probe()), v => v is not null, "the realtime server to receive it", TimeSpan.FromSeconds(10));

    private static string? Type(JsonObject message) => message["type"]?.GetValue<string>();

    /// <summary>The provider's side: answers response.create with an answer, and the first audio with a turn and a goodbye.</summary>
    private async Task ServeAsync(HttpContext context)
    {
        _headers.Enqueue($"{context.Request.Headers.Authorization}|{context.Request.Headers["OpenAI-Beta"]}|model={context.Request.Query["model"]}");
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        var heard = false;
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close) break;
            var message = JsonNode.Parse(buffer.AsSpan(0, result.Count))!.AsObject();
            _received.Enqueue(message);
            switch (Type(message))
            {
                case "session.update" when _closeAfterSessionUpdate:
                    await socket.CloseAsync(WebSocketCloseStatus.InternalServerError, "gone", CancellationToken.None);
                    return;
                case "response.create" when !_received.Any(m => Type(m) == "conversation.item.create"):
                    await SendAsync(socket, new JsonObject { ["type"] = "response.audio_transcript.delta", ["response_id"] = "resp_1", ["delta"] = "Hello Noor," });
                    await SendAsync(socket, new JsonObject { ["type"] = "response.audio.delta", ["response_id"] = "resp_1", ["item_id"] = "item_1", ["delta"] = Convert.ToBase64String(AnswerAudio) });
                    await SendAsync(socket, Done("resp_1", new JsonObject { ["type"] = "message", ["content"] = new JsonArray(new JsonObject { ["type"] = "audio", ["transcript"] = "Hello Noor, can you confirm?" }) }));
                    break;
                case "input_audio_buffer.append" when !heard:
                    heard = true;
                    await SendAsync(socket, new JsonObject { ["type"] = "input_audio_buffer.speech_started" });
                    await SendAsync(socket, new JsonObject { ["type"] = "conversation.item.input_audio_transcription.completed", ["transcript"] = " yes please " });
                    await SendAsync(socket, Done("resp_2",
                        new JsonObject { ["type"] = "message", ["content"] = new JsonArray(new JsonObject { ["type"] = "audio", ["transcript"] = "Thank you, goodbye." }) },
                        new JsonObject { ["type"] = "function_call", ["name"] = RealtimeSpeechPipeline.EndCallTool }));
                    break;
            }
        }
    }

    private static JsonObject Done(string id, params JsonObject[] output) => new()
    {
        ["type"] = "response.done", ["response"] = new JsonObject { ["id"] = id, ["status"] = "completed", ["output"] = new JsonArray(output) },
    };

    private static Task SendAsync(WebSocket socket, JsonObject message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
}
