using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.People;

namespace Aventora.TwilioEmulator.Calls;

/// <summary>
/// Plays <c>&lt;Connect&gt;&lt;Stream&gt;</c> like Twilio's bidirectional Media Streams: opens the WebSocket, sends
/// <c>connected</c> and <c>start</c> (with the Stream's <c>&lt;Parameter&gt;</c>s as customParameters), then one inbound
/// <c>media</c> frame every 20 ms (160 bytes of µ-law, silence when the person is quiet) at <see cref="EmulatorTiming.StreamSpeed"/>
/// times real time. The application's media is buffered and played at the same pace; its marks are echoed once the audio
/// before them was played; <c>clear</c> discards the buffer and echoes the pending marks. The person follows their
/// <see cref="StreamStep"/>s; when they hang up, <c>stop</c> is sent. The stream ends when the application closes it, it
/// breaks, or the person hangs up.
/// </summary>
internal sealed class MediaStreamPlayer(PeopleScripts people, EmulatorTiming timing, TimeProvider clock)
{
    private const int FrameBytes = 160;
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(20);
    private const int QuietFramesBeforeAnswering = 10;
    private const int QuietFramesBeforeHangingUp = 500;
    private const int MaxFrames = 5 * 60 * 50;

    public enum Ending { ClosedByApplication, Failed, PersonHungUp }

    public async Task<(Ending Ending, int Seconds)> PlayAsync(CallState call, XElement stream, CancellationToken ct)
    {
        var url = stream.Attribute("url")?.Value ?? "";
        Record(call, "stream", null, url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("wss" or "ws"))
        {
            Record(call, "error", "31941 Stream - Invalid URL", url);
            return (Ending.Failed, 0);
        }

        using var socket = new ClientWebSocket();
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connect.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(uri, connect.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            Record(call, "error", "31920 Stream - WebSocket - Handshake Error", url);
            return (Ending.Failed, 0);
        }

        var session = new Session(call, socket, "MZ" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), people.TakeStream(call.To), timing.StreamSpeed, this);
        var ending = await session.RunAsync(stream, ct);
        return (ending, Math.Max(1, session.Frames / 50));
    }

    private void Record(CallState call, string kind, string? text, string? url) => call.Record(kind, text, url, clock.GetUtcNow());

    private sealed class Session(CallState call, ClientWebSocket socket, string streamSid, IReadOnlyList<StreamStep> steps, double speed, MediaStreamPlayer player)
    {
        private readonly Lock _gate = new();
        private readonly SemaphoreSlim _send = new(1, 1);
        // What the application sent to play: frames of audio and marks, in order.
        private readonly LinkedList<object> _playback = new();
        private int _sequence;
        private bool _closedByApplication;
        private int _heardFrames;

        public int Frames { get; private set; }

        public async Task<Ending> RunAsync(XElement stream, CancellationToken ct)
        {
            var parameters = new JsonObject();
            foreach (var p in stream.Elements().Where(e => e.Name.LocalName == "Parameter"))
                if (p.Attribute("name")?.Value is { } name) parameters[name] = p.Attribute("value")?.Value ?? "";
            try
            {
                await SendAsync(new JsonObject { ["event"] = "connected", ["protocol"] = "Call", ["version"] = "1.0.0" }, ct);
                await SendAsync(new JsonObject
                {
                    ["event"] = "start",
                    ["sequenceNumber"] = NextSequence(),
                    ["start"] = new JsonObject
                    {
                        ["accountSid"] = call.AccountSid, ["streamSid"] = streamSid, ["callSid"] = call.Sid,
                        ["tracks"] = new JsonArray("inbound"), ["customParameters"] = parameters,
                        ["mediaFormat"] = new JsonObject { ["encoding"] = "audio/x-mulaw", ["sampleRate"] = 8000, ["channels"] = 1 },
                    },
                    ["streamSid"] = streamSid,
                }, ct);
                player.Record(call, "stream-start", streamSid, null);
                var receiving = ReceiveAsync(ct);
                var ending = await TalkAsync(ct);
                if (ending == Ending.PersonHungUp) await receiving.WaitAsync(TimeSpan.FromSeconds(2), ct).ContinueWith(_ => { }, TaskScheduler.Default);
                return ending;
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                player.Record(call, "stream-dropped", e.GetType().Name, null);
                return Ending.Failed;
            }
        }

        /// <summary>One frame per tick: play a frame of the application's audio, send one of the person's.</summary>
        private async Task<Ending> TalkAsync(CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            var tick = Frame / speed;
            var step = 0;
            byte[]? speaking = null;
            var spoken = 0;
            var quiet = 0;
            for (Frames = 0; Frames < MaxFrames; Frames++)
            {
                var due = tick * Frames - clock.Elapsed;
                if (due > TimeSpan.FromMilliseconds(1)) await Task.Delay(due, ct);
                if (Volatile.Read(ref _closedByApplication))
                {
                    NotePlayed();
                    player.Record(call, "stream-closed", null, null);
                    return Ending.ClosedByApplication;
                }

                var talking = await PlayFrameAsync(ct);
                quiet = talking ? 0 : quiet + 1;

                byte[] inbound;
                if (speaking is not null)
                {
                    inbound = Slice(speaking, spoken);
                    spoken += FrameBytes;
                    if (spoken >= speaking.Length)
                    {
                        (speaking, spoken) = (null, 0);
                        NotePlayed(); // what they heard while talking; now they wait for the answer
                    }
                }
                else if (step < steps.Count && Ready(steps[step], talking, quiet))
                {
                    var next = steps[step++];
                    NotePlayed();
                    if (next.Drop)
                    {
                        player.Record(call, "stream-dropped", "the person's line broke", null);
                        socket.Abort();
                        return Ending.Failed;
                    }
                    if (next.HangUp) return await HangUpAsync(ct);
                    if (next.Digits is { } digits)
                    {
                        player.Record(call, "dtmf", digits, null);
                        foreach (var digit in digits)
                            await SendAsync(new JsonObject
                            {
                                ["event"] = "dtmf", ["streamSid"] = streamSid, ["sequenceNumber"] = NextSequence(),
                                ["dtmf"] = new JsonObject { ["track"] = "inbound_track", ["digit"] = digit.ToString() },
                            }, ct);
                    }
                    if (next.Audio is { } audio)
                    {
                        player.Record(call, "speech", next.Text ?? "(audio)", null);
                        speaking = Convert.FromBase64String(audio);
                    }
                    inbound = Silence();
                }
                else if (step >= steps.Count && quiet >= QuietFramesBeforeHangingUp)
                {
                    return await HangUpAsync(ct); // nothing more to say, and nobody talks: the person hangs up
                }
                else
                {
                    inbound = Silence();
                }

                await SendAsync(new JsonObject
                {
                    ["event"] = "media", ["sequenceNumber"] = NextSequence(),
                    ["media"] = new JsonObject
                    {
                        ["track"] = "inbound", ["chunk"] = (Frames + 1).ToString(CultureInfo.InvariantCulture),
                        ["timestamp"] = (Frames * 20).ToString(CultureInfo.InvariantCulture), ["payload"] = Convert.ToBase64String(inbound),
                    },
                    ["streamSid"] = streamSid,
                }, ct);
            }
            return await HangUpAsync(ct);
        }

        /// <summary>A step starts when the assistant has been quiet a moment after talking, or, to barge in, once enough of it was heard.</summary>
        private bool Ready(StreamStep step, bool talking, int quiet) => step.BargeInAfterMs is { } after
            ? talking && Volatile.Read(ref _heardFrames) * 20 >= after
            : Volatile.Read(ref _heardFrames) > 0 && quiet >= QuietFramesBeforeAnswering || step.HangUp && quiet >= QuietFramesBeforeHangingUp;

        /// <summary>Plays one frame of the application's audio, echoing the marks reached; false when nothing is playing.</summary>
        private async Task<bool> PlayFrameAsync(CancellationToken ct)
        {
            var marks = new List<string>();
            var played = false;
            lock (_gate)
            {
                while (_playback.First?.Value is string mark) { marks.Add(mark); _playback.RemoveFirst(); }
                if (_playback.First?.Value is byte[])
                {
                    _playback.RemoveFirst();
                    Interlocked.Increment(ref _heardFrames);
                    played = true;
                }
                while (_playback.First?.Value is string mark) { marks.Add(mark); _playback.RemoveFirst(); }
            }
            foreach (var mark in marks) await EchoMarkAsync(mark, ct);
            return played;
        }

        private async Task ReceiveAsync(CancellationToken ct)
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, ct);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Volatile.Write(ref _closedByApplication, true);
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                        return;
                    }
                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage) continue;
                    var json = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length));
                    message.SetLength(0);
                    await HandleAsync(json, ct);
                }
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or System.Text.Json.JsonException)
            {
                Volatile.Write(ref _closedByApplication, true); // a broken or nonsensical stream ends like Twilio ends it
            }
        }

        private async Task HandleAsync(JsonNode? json, CancellationToken ct)
        {
            var payload = TextOf(json?["media"]?["payload"]);
            var name = TextOf(json?["mark"]?["name"]);
            switch (TextOf(json?["event"]))
            {
                case "media" when payload is not null:
                    var audio = Convert.FromBase64String(payload);
                    lock (_gate)
                        for (var offset = 0; offset < audio.Length; offset += FrameBytes)
                            _playback.AddLast(audio[offset..Math.Min(audio.Length, offset + FrameBytes)]);
                    break;
                case "mark" when name is not null:
                    lock (_gate) _playback.AddLast(name);
                    break;
                case "clear":
                    List<string> marks;
                    int discarded;
                    lock (_gate)
                    {
                        marks = _playback.OfType<string>().ToList();
                        discarded = _playback.OfType<byte[]>().Count() * 20;
                        _playback.Clear();
                    }
                    NotePlayed();
                    player.Record(call, "clear", discarded.ToString(CultureInfo.InvariantCulture), null);
                    // Twilio answers a clear with the marks of the audio it threw away.
                    foreach (var mark in marks) await EchoMarkAsync(mark, ct);
                    break;
            }
        }

        private async Task<Ending> HangUpAsync(CancellationToken ct)
        {
            NotePlayed();
            player.Record(call, "stream-stop", null, null);
            await SendAsync(new JsonObject
            {
                ["event"] = "stop", ["sequenceNumber"] = NextSequence(), ["streamSid"] = streamSid,
                ["stop"] = new JsonObject { ["accountSid"] = call.AccountSid, ["callSid"] = call.Sid },
            }, ct);
            try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended", ct); }
            catch (WebSocketException) { }
            return Ending.PersonHungUp;
        }

        /// <summary>Records how much of the assistant the person heard since the last step, and starts counting anew.</summary>
        private void NotePlayed()
        {
            var heard = Interlocked.Exchange(ref _heardFrames, 0);
            if (heard > 0) player.Record(call, "played", (heard * 20).ToString(CultureInfo.InvariantCulture), null);
        }

        private Task EchoMarkAsync(string name, CancellationToken ct) => SendAsync(new JsonObject
        {
            ["event"] = "mark", ["sequenceNumber"] = NextSequence(), ["streamSid"] = streamSid, ["mark"] = new JsonObject { ["name"] = name },
        }, ct);

        private string NextSequence() => Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture);

        private async Task SendAsync(JsonObject message, CancellationToken ct)
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _send.WaitAsync(ct);
            try
            {
                if (socket.State == WebSocketState.Open) await socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
            }
            finally
            {
                _send.Release();
            }
        }

        private static string? TextOf(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

        private static byte[] Silence()
        {
            var frame = new byte[FrameBytes];
            Array.Fill(frame, (byte)0xFF);
            return frame;
        }

        private static byte[] Slice(byte[] audio, int offset)
        {
            var frame = Silence();
            Array.Copy(audio, offset, frame, 0, Math.Min(FrameBytes, audio.Length - offset));
            return frame;
        }
    }
}
