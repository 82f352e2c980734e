using System.Net.WebSockets;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.Voice.Worker.Streams;
using Aventora.Voice.Worker.Streams.Offline;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Voice;

/// <summary>
/// What an admitted stream may send (issue 22, finding 4): messages up to <c>VoiceStream:MaxMessageBytes</c>, a turn of at
/// most <c>VoiceStream:MaxBufferedAudio</c> held for recognition, and audio no faster than real time (<c>VoiceStream:AudioBurst</c>
/// ahead at most), so a stream cannot exhaust memory or run up the speech model's bill.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class MediaStreamLimitsTests(SystemFixture system)
{
    private static readonly TimeSpan CloseWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_message_over_the_size_limit_closes_the_stream_as_dropped()
    {
        var domain = await StreamDomain.CreateAsync(system, "streambig");
        var (id, sid) = await system.UnansweredCallAsync(domain);
        using var socket = await system.OpenStreamAsync(id, domain.AccountSid, sid, system.TokenFor(id));
        await Eventually.Get(() => system.StreamRowAsync(id), r => r?.State == "open", "the stream to open");

        // 24,000 bytes of audio in one message: about 32 KB of JSON, twice the default VoiceStream:MaxMessageBytes (16 KiB).
        await socket.SendMediaAsync(Enumerable.Repeat((byte)0xFF, 24_000).ToArray());

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ClosedWithAsync(CloseWithin));
        Assert.Equal("dropped", (await system.StreamEndedAsync(id))?.State);
    }

    [Fact]
    public async Task A_turn_that_never_falls_quiet_is_cut_at_the_buffer_cap_and_answered()
    {
        var domain = await StreamDomain.CreateAsync(system, "streamnoisy");
        var (id, sid) = await system.UnansweredCallAsync(domain);
        using var socket = await system.OpenStreamAsync(id, domain.AccountSid, sid, system.TokenFor(id));
        using var drain = new CancellationTokenSource();
        _ = socket.DrainAsync(drain.Token);
        await Eventually.Get(() => system.StreamRowAsync(id), r => r?.State == "open", "the stream to open");

        // A line that never falls quiet, for twice VoiceStream:MaxBufferedAudio: no silence ever ends the person's turn.
        var loud = StreamCallKit.LoudFrame();
        for (var sent = TimeSpan.Zero; sent < SystemFixture.MaxBufferedAudio * 2; sent += TimeSpan.FromMilliseconds(20))
            await socket.SendMediaAsync(loud);

        await Eventually.Get(() => PersonTurnsAsync(id), turns => turns.Count > 0, "the cut turn in the transcript");
        await socket.SendStopAsync();
        Assert.Equal("hung_up", (await system.StreamEndedAsync(id))?.State);
        // One turn: the noise after the cut was dropped until the line fell quiet (it never did), not held as a second turn.
        Assert.Equal([PhraseBook.Unrecognised], await PersonTurnsAsync(id));
        await drain.CancelAsync();
    }

    [Fact]
    public async Task Audio_sent_faster_than_real_time_is_dropped_and_a_flood_closes_the_stream()
    {
        // A copy of Voice.Worker whose streams' clock stands still: no real time passes for them, so a stream's whole allowance
        // is the burst. Only the streams' clock: the copy also takes calls off the shared queues, and must place them in real time.
        var clock = new StandingClock(DateTimeOffset.UtcNow);
        await using var voice = await system.StartVoiceCopyAsync(
            new Dictionary<string, string?> { ["VoiceStream:MaxAudioSpeed"] = "1", ["VoiceStream:AudioBurst"] = "00:00:01" },
            services => services.AddSingleton(new StreamClock(clock)));
        var domain = await StreamDomain.CreateAsync(system, "streamflood");
        var (id, sid) = await system.UnansweredCallAsync(domain);
        using var socket = await system.OpenStreamAsync(id, domain.AccountSid, sid, system.TokenFor(id), voice.StreamBase());
        await Eventually.Get(() => system.StreamRowAsync(id), r => r?.State == "open", "the stream to open");

        // One second of silence uses the burst up; the phrase after it would be heard only if time passed. Then more audio,
        // as much again as the burst: the stream is no longer taken for Twilio.
        var quiet = StreamCallKit.QuietFrame();
        for (var i = 0; i < 50; i++) await socket.SendMediaAsync(quiet);
        await socket.SendMediaAsync(StreamCallKit.Phrase("yes please"));
        for (var i = 0; i < 60 && socket.State == WebSocketState.Open; i++) await SendQuietlyAsync(socket, quiet);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await socket.ClosedWithAsync(CloseWithin));
        Assert.Equal("dropped", (await system.StreamEndedAsync(id))?.State);
        Assert.Empty(await PersonTurnsAsync(id)); // the speech pipeline never heard the phrase sent beyond the pace
    }

    private async Task<IReadOnlyList<string>?> PersonTurnsAsync(Guid id)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return (await db.QueryAsync<string>("SELECT text FROM conversation_turns WHERE request_id = @id AND speaker = 'person' ORDER BY id", new { id })).ToList();
    }

    // The server may close the socket while the test still sends: that is the answer being tested, not a failure to send.
    private static async Task SendQuietlyAsync(ClientWebSocket socket, byte[] frame)
    {
        try { await socket.SendMediaAsync(frame); }
        catch (WebSocketException) { }
    }
}
