using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.Conversations.Assistant;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;
using Aventora.Voice.Worker.Streams;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Voice;

/// <summary>A domain whose calls run in stream mode, and the person's recorded phrases (the offline pipeline's phrase book).</summary>
public sealed record StreamDomain(string Name, string Key, string AccountSid, string AuthToken)
{
    public static async Task<StreamDomain> CreateAsync(SystemFixture system, string what, string voiceMode = "stream")
    {
        var account = await system.NewAccountAsync();
        var name = Api.NewDomainName(what);
        var key = await system.CreateDomainAsync(name, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token,
            ["twilio_phone_number"] = SystemFixture.UniqueNumber(), ["twilio_whatsapp_number"] = SystemFixture.UniqueNumber(),
            ["voice_mode"] = voiceMode,
        });
        return new StreamDomain(name, key, account.Sid, account.Token);
    }
}

public static class StreamCallKit
{
    /// <summary>The person says a phrase of the phrase book (shipped with Voice.Worker).</summary>
    public static StreamStep Says(string phrase, int? bargeInAfterMs = null) =>
        new(Text: phrase, Audio: Convert.ToBase64String(Phrase(phrase)), BargeInAfterMs: bargeInAfterMs);

    public static byte[] Phrase(string phrase)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Streams", "Offline", "Phrases");
        var file = File.ReadAllLines(Path.Combine(folder, "phrases.tsv")).Select(l => l.Split('\t')).Single(p => p[1] == phrase)[0];
        return File.ReadAllBytes(Path.Combine(folder, file));
    }

    /// <summary>What the offline pipeline's scripted assistant opens with for this request.</summary>
    public static async Task<string> OpeningAsync(string domain, string channel, string type, string instruction, string? name) =>
        (await new ScriptedAssistant().OpenAsync(new ConversationBrief(domain, channel, type, instruction, name), CancellationToken.None)).Text;

    public static async Task<(string State, int BargeIns)?> StreamRowAsync(this SystemFixture system, Guid requestId)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        var row = await db.QuerySingleOrDefaultAsync<(string, int)?>(
            "SELECT state, barge_ins FROM voice_streams WHERE request_id = @requestId", new { requestId });
        return row;
    }

    /// <summary>The request's stream row as bound on admission: which stream and call it belongs to, and its state.</summary>
    public static async Task<(string StreamSid, string CallSid, string State)?> StreamBindingAsync(this SystemFixture system, Guid requestId)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return await db.QuerySingleOrDefaultAsync<(string, string, string)?>(
            "SELECT stream_sid, call_sid, state FROM voice_streams WHERE request_id = @requestId", new { requestId });
    }

    public static Task<(string State, int BargeIns)?> StreamEndedAsync(this SystemFixture system, Guid requestId) =>
        Eventually.Get(() => system.StreamRowAsync(requestId), r => r?.State != "open", $"the stream of {requestId} to end");

    public static IReadOnlyList<(string Speaker, string Text)> Turns(JsonObject request) =>
        request["transcript"]!.AsArray().Select(t => (t!["speaker"]!.GetValue<string>(), t["text"]!.GetValue<string>())).ToList();

    public static Uri StreamUrl(this SystemFixture system, Guid requestId) =>
        new($"{system.Settings["VoiceStream:PublicBaseUrl"]}/voice/stream/{requestId}");

    public static string TokenFor(this SystemFixture system, Guid requestId) =>
        system.Voice.Services.GetRequiredService<StreamToken>().Issue(requestId);

    /// <summary>A stream-mode call nobody answers: a real request and call SID, whose stream the test plays as Twilio would.</summary>
    public static async Task<(Guid Id, string Sid)> UnansweredCallAsync(this SystemFixture system, StreamDomain domain)
    {
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(person, "no-answer");
        var id = await (await system.StartAsync(Api.StartBody(person, "phone", "informational", "Holding a line", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        return (id, (await system.RequestWithSidAsync(id, domain.Key)).Str("twilio_sid"));
    }

    /// <summary>
    /// Another Voice.Worker copy on the run's broker and database, with <paramref name="overrides"/> of its settings and
    /// <paramref name="services"/> replaced (e.g. a clock); its streams are at <c>ws://127.0.0.1:{Port}</c>.
    /// </summary>
    public static async Task<ServiceHost<VoiceWorkerEntryPoint>> StartVoiceCopyAsync(
        this SystemFixture system, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>(system.Settings);
        var port = FreePort.Next();
        settings["VoiceStream:PublicBaseUrl"] = $"ws://127.0.0.1:{port}";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        var voice = new ServiceHost<VoiceWorkerEntryPoint>(port, settings, system.Logs, services);
        await Task.Run(voice.StartServer);
        return voice;
    }

    public static Uri StreamBase(this ServiceHost<VoiceWorkerEntryPoint> voice) => new($"ws://127.0.0.1:{voice.Port}");

    public static int ActiveStreams(this SystemFixture system) => system.Voice.Services.GetRequiredService<StreamCapacity>().Active;

    /// <summary>
    /// Opens a Media Stream as Twilio would: connected, then start with the call's ids and the given parameters; on the run's
    /// Voice.Worker, or on another copy at <paramref name="voice"/> (its ws:// base), through <paramref name="invoker"/> when given
    /// (connections from another address).
    /// </summary>
    public static async Task<ClientWebSocket> OpenStreamAsync(
        this SystemFixture system, Guid requestId, string accountSid, string callSid, string? token, Uri? voice = null, HttpMessageInvoker? invoker = null)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(voice is null ? system.StreamUrl(requestId) : new Uri(voice, $"/voice/stream/{requestId}"), invoker, CancellationToken.None);
        await SendAsync(socket, new JsonObject { ["event"] = "connected", ["protocol"] = "Call", ["version"] = "1.0.0" });
        var streamSid = "MZ" + Guid.NewGuid().ToString("N");
        await SendAsync(socket, new JsonObject
        {
            ["event"] = "start", ["sequenceNumber"] = "1", ["streamSid"] = streamSid,
            ["start"] = new JsonObject
            {
                ["accountSid"] = accountSid, ["streamSid"] = streamSid, ["callSid"] = callSid, ["tracks"] = new JsonArray("inbound"),
                ["customParameters"] = new JsonObject { ["requestId"] = requestId.ToString(), ["token"] = token },
                ["mediaFormat"] = new JsonObject { ["encoding"] = "audio/x-mulaw", ["sampleRate"] = 8000, ["channels"] = 1 },
            },
        });
        return socket;
    }

    /// <summary>Reads until the server closes the stream (its status), or null when it is still open after <paramref name="within"/>.</summary>
    public static async Task<WebSocketCloseStatus?> ClosedWithAsync(this ClientWebSocket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close) return result.CloseStatus;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Reads and drops what the server sends, so it never waits on us.</summary>
    public static async Task DrainAsync(this ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open && !(await socket.ReceiveAsync(buffer, ct)).CloseStatus.HasValue) { }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
    }

    /// <summary>One <c>media</c> message carrying <paramref name="audio"/> (µ-law) as the person's.</summary>
    public static Task SendMediaAsync(this ClientWebSocket socket, byte[] audio) =>
        SendAsync(socket, new JsonObject
        {
            ["event"] = "media", ["media"] = new JsonObject { ["track"] = "inbound", ["payload"] = Convert.ToBase64String(audio) },
        });

    /// <summary>The person hung up: Twilio's <c>stop</c>.</summary>
    public static Task SendStopAsync(this ClientWebSocket socket) => SendAsync(socket, new JsonObject { ["event"] = "stop" });

    /// <summary>A 20 ms frame of silence, and one of the loudest tone µ-law holds (every sample at full scale, alternating sign).</summary>
    public static byte[] QuietFrame() => Enumerable.Repeat((byte)0xFF, 160).ToArray();

    public static byte[] LoudFrame() => Enumerable.Range(0, 160).Select(i => (byte)(i % 2 == 0 ? 0x00 : 0x80)).ToArray();

    private static Task SendAsync(ClientWebSocket socket, JsonObject message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
}

/// <summary>A clock that moves only when the test moves it, elapsed time (<c>GetTimestamp</c>) included: what a stream's pace reads.</summary>
public sealed class StandingClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
