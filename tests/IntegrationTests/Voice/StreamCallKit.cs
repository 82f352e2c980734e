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

    public static Task<(string State, int BargeIns)?> StreamEndedAsync(this SystemFixture system, Guid requestId) =>
        Eventually.Get(() => system.StreamRowAsync(requestId), r => r?.State != "open", $"the stream of {requestId} to end");

    public static IReadOnlyList<(string Speaker, string Text)> Turns(JsonObject request) =>
        request["transcript"]!.AsArray().Select(t => (t!["speaker"]!.GetValue<string>(), t["text"]!.GetValue<string>())).ToList();

    public static Uri StreamUrl(this SystemFixture system, Guid requestId) =>
        new($"{system.Settings["VoiceStream:PublicBaseUrl"]}/voice/stream/{requestId}");

    public static string TokenFor(this SystemFixture system, Guid requestId) =>
        system.Voice.Services.GetRequiredService<StreamToken>().Issue(requestId);

    public static int ActiveStreams(this SystemFixture system) => system.Voice.Services.GetRequiredService<StreamCapacity>().Active;

    /// <summary>Opens a Media Stream as Twilio would: connected, then start with the call's ids and the given parameters.</summary>
    public static async Task<ClientWebSocket> OpenStreamAsync(
        this SystemFixture system, Guid requestId, string accountSid, string callSid, string? token)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(system.StreamUrl(requestId), CancellationToken.None);
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

    private static Task SendAsync(ClientWebSocket socket, JsonObject message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
}
