using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Aventora.IntegrationTests.Voice;

/// <summary>
/// Many Media Streams on one Voice.Worker, each fed by a client that behaves like Twilio (a 20 ms frame every 20 ms, in real
/// time): every person's turn must be answered. The answer latency beyond the turn-ending silence shows whether the process
/// keeps up with its frames. <c>AVENTORA_STREAM_BENCH_STREAMS</c> sets how many streams (default 12); the README's figure
/// comes from larger runs of this class.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ConcurrentStreamsTests(SystemFixture system, ITestOutputHelper output)
{
    private static readonly TimeSpan FrameLength = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan TurnEndingSilence = TimeSpan.FromMilliseconds(500); // VoiceStream:SilenceToEndTurn

    [Fact]
    public async Task Concurrent_streams_on_one_Voice_process_are_each_answered_in_real_time()
    {
        var streams = int.TryParse(Environment.GetEnvironmentVariable("AVENTORA_STREAM_BENCH_STREAMS"), out var n) ? n : 12;
        var settings = new Dictionary<string, string?>(system.Settings);
        var port = FreePort.Next();
        settings["VoiceStream:PublicBaseUrl"] = $"ws://127.0.0.1:{port}";
        settings["VoiceStream:MaxConcurrentStreams"] = streams.ToString();
        settings["VoiceStream:MaxStreamsPerDomain"] = streams.ToString(); // one domain holds them all here
        await using var voice = new ServiceHost<VoiceWorkerEntryPoint>(port, settings, system.Logs);
        await Task.Run(voice.StartServer);

        var domain = await StreamDomain.CreateAsync(system, "streambench");
        var calls = await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
        {
            var person = SystemFixture.UniqueNumber();
            await system.Emulator.SetCallOutcomeAsync(person, "no-answer"); // the test plays Twilio on the stream
            var id = await (await system.StartAsync(Api.StartBody(person, "phone", "confirmation", "Benchmark", domain.Name), domain.Key)).AcceptedRequestIdAsync();
            return (Id: id, Sid: (await system.RequestWithSidAsync(id, domain.Key)).Str("twilio_sid"));
        }));

        var phrase = StreamCallKit.Phrase("yes please");
        var results = await Task.WhenAll(calls.Select(call => TalkAsync(new Uri($"ws://127.0.0.1:{port}/voice/stream/{call.Id}"), call.Id, call.Sid, domain.AccountSid, phrase)));

        var latencies = results.Select(r => r.AnswerAfter - TurnEndingSilence).Order().ToList();
        var late = results.Sum(r => r.LateFrames);
        output.WriteLine($"{streams} streams: answer after the turn ended p50 {Ms(latencies[latencies.Count / 2])}, " +
                         $"p95 {Ms(latencies[(int)(latencies.Count * 0.95)])}, max {Ms(latencies[^1])}; frames sent > 20 ms late: {late} of {results.Sum(r => r.Frames)}");
        Assert.All(results, r => Assert.True(r.AnswerAfter < TimeSpan.FromSeconds(5), $"an answer came {Ms(r.AnswerAfter)} after the turn"));
    }

    private sealed record Outcome(TimeSpan AnswerAfter, int Frames, int LateFrames);

    /// <summary>One Twilio-like stream: one second of silence, the phrase, then silence until an answer arrives (at most 10 s).</summary>
    private async Task<Outcome> TalkAsync(Uri url, Guid id, string callSid, string accountSid, byte[] phrase)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, CancellationToken.None);
        var streamSid = "MZ" + Guid.NewGuid().ToString("N");
        await SendAsync(socket, new JsonObject { ["event"] = "connected", ["protocol"] = "Call", ["version"] = "1.0.0" });
        await SendAsync(socket, new JsonObject
        {
            ["event"] = "start", ["sequenceNumber"] = "1", ["streamSid"] = streamSid,
            ["start"] = new JsonObject
            {
                ["accountSid"] = accountSid, ["streamSid"] = streamSid, ["callSid"] = callSid, ["tracks"] = new JsonArray("inbound"),
                ["customParameters"] = new JsonObject { ["requestId"] = id.ToString(), ["token"] = system.TokenFor(id) },
                ["mediaFormat"] = new JsonObject { ["encoding"] = "audio/x-mulaw", ["sampleRate"] = 8000, ["channels"] = 1 },
            },
        });

        var clock = Stopwatch.StartNew();
        long turnSent = -1, answered = -1; // clock ticks, shared with the receiving loop
        using var reading = new CancellationTokenSource();
        var receive = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            while (!reading.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, reading.Token);
                if (result.MessageType == WebSocketMessageType.Close) return;
                if (Interlocked.Read(ref turnSent) >= 0 && Encoding.UTF8.GetString(buffer, 0, result.Count).Contains("\"media\""))
                    Interlocked.CompareExchange(ref answered, clock.Elapsed.Ticks, -1);
            }
        });

        var silence = Enumerable.Repeat((byte)0xFF, 160).ToArray();
        var audio = silence.Concat(silence).Concat(phrase).ToList();
        int frames = 0, late = 0;
        var start = 50; // one second of silence first
        for (; clock.Elapsed < TimeSpan.FromSeconds(12) && Interlocked.Read(ref answered) < 0; frames++)
        {
            var due = FrameLength * frames - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            else if (due < -FrameLength) late++;
            var offset = (frames - start) * 160;
            var frame = offset >= 0 && offset < audio.Count ? audio.Skip(offset).Take(160).Concat(silence).Take(160).ToArray() : silence;
            if (offset >= audio.Count && turnSent < 0) Interlocked.Exchange(ref turnSent, clock.Elapsed.Ticks);
            await SendAsync(socket, new JsonObject
            {
                ["event"] = "media", ["streamSid"] = streamSid, ["sequenceNumber"] = (frames + 2).ToString(),
                ["media"] = new JsonObject { ["track"] = "inbound", ["chunk"] = (frames + 1).ToString(), ["timestamp"] = (frames * 20).ToString(), ["payload"] = Convert.ToBase64String(frame) },
            });
        }
        await SendAsync(socket, new JsonObject { ["event"] = "stop", ["streamSid"] = streamSid, ["sequenceNumber"] = "0", ["stop"] = new JsonObject { ["accountSid"] = accountSid, ["callSid"] = callSid } });
        await reading.CancelAsync();
        await receive.ContinueWith(_ => { }, TaskScheduler.Default);
        return new Outcome(answered < 0 ? TimeSpan.FromSeconds(60) : TimeSpan.FromTicks(answered - turnSent), frames, late);
    }

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    private static Task SendAsync(ClientWebSocket socket, JsonObject message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
}
