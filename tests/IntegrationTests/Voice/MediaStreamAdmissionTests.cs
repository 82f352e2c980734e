using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Voice;

/// <summary>
/// Who gets a Media Stream (issue 22, finding 4): the token is checked before any database work, a request has one stream,
/// bound to the call SID it started with, on every Voice.Worker copy, and one domain cannot take every stream of a process.
/// Each test plays Twilio on the socket for a call nobody answers, as a replaying attacker would.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class MediaStreamAdmissionTests(SystemFixture system)
{
    private static readonly TimeSpan CloseWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_stream_with_a_bad_token_is_refused_before_any_database_work()
    {
        var domain = await StreamDomain.CreateAsync(system, "streamcheap");
        var (id, sid) = await system.UnansweredCallAsync(domain);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using (var forged = await system.OpenStreamAsync(id, domain.AccountSid, sid, "4102444800.not-a-signature"))
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await forged.ClosedWithAsync(CloseWithin));
        var refused = await StreamSpanAsync(spans, id, 1);
        Assert.DoesNotContain(spans, s => s.Source.Name == "Npgsql" && s.TraceId == refused.TraceId);

        // The same request with its real token does reach the database (so the listener sees Npgsql's spans).
        using (var real = await system.OpenStreamAsync(id, domain.AccountSid, sid, system.TokenFor(id)))
        {
            await Eventually.Get(() => system.StreamRowAsync(id), r => r?.State == "open", "the real stream to open");
            await real.SendStopAsync();
            await real.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        var admitted = await StreamSpanAsync(spans, id, 2);
        Assert.Contains(spans, s => s.Source.Name == "Npgsql" && s.TraceId == admitted.TraceId);
    }

    [Fact]
    public async Task A_replayed_token_opens_no_second_stream_on_any_copy_and_leaves_the_real_streams_row()
    {
        var domain = await StreamDomain.CreateAsync(system, "streamreplay");
        var (id, sid) = await system.UnansweredCallAsync(domain);
        var token = system.TokenFor(id);
        using var drain = new CancellationTokenSource();
        using var real = await system.OpenStreamAsync(id, domain.AccountSid, sid, token);
        _ = real.DrainAsync(drain.Token);
        var bound = (await Eventually.Get(() => system.StreamBindingAsync(id), r => r?.State == "open", "the real stream to open"))!.Value;

        // The same start message again, while the real stream is open: on this copy, and on another one.
        using (var replay = await system.OpenStreamAsync(id, domain.AccountSid, sid, token))
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await replay.ClosedWithAsync(CloseWithin));
        await using (var copy = await system.StartVoiceCopyAsync())
        using (var replay = await system.OpenStreamAsync(id, domain.AccountSid, sid, token, copy.StreamBase()))
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await replay.ClosedWithAsync(CloseWithin));
        Assert.Equal(bound, await system.StreamBindingAsync(id));

        // Once the real stream ended, the token still opens nothing, and its ending stays as it was.
        await real.SendStopAsync();
        Assert.Equal("hung_up", (await system.StreamEndedAsync(id))?.State);
        using (var late = await system.OpenStreamAsync(id, domain.AccountSid, sid, token))
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await late.ClosedWithAsync(CloseWithin));
        Assert.Equal((bound.StreamSid, sid, "hung_up"), await system.StreamBindingAsync(id));
        await drain.CancelAsync();
    }

    [Fact]
    public async Task Before_the_call_SID_is_recorded_the_first_stream_binds_the_request_to_its_call()
    {
        var domain = await StreamDomain.CreateAsync(system, "streambind");
        var (id, sid) = await system.UnansweredCallAsync(domain);
        await system.RequestWhenAsync(id, r => r["status"]?.GetValue<string>() == "no-answer", "the call to end unanswered", domain.Key);
        // Twilio can open the stream before Voice.Worker has recorded the call's SID from the Calls API's answer.
        await using (var db = await system.Database.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE call_logs SET twilio_sid = NULL WHERE id = @id", new { id });

        using var drain = new CancellationTokenSource();
        using var real = await system.OpenStreamAsync(id, domain.AccountSid, sid, system.TokenFor(id));
        _ = real.DrainAsync(drain.Token);
        var bound = (await Eventually.Get(() => system.StreamBindingAsync(id), r => r?.State == "open", "the first stream to open"))!.Value;
        Assert.Equal(sid, bound.CallSid);

        using (var other = await system.OpenStreamAsync(id, domain.AccountSid, "CA" + Guid.NewGuid().ToString("N"), system.TokenFor(id)))
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await other.ClosedWithAsync(CloseWithin));
        Assert.Equal(bound, await system.StreamBindingAsync(id));
        await real.SendStopAsync();
        await system.StreamEndedAsync(id);
        await drain.CancelAsync();
    }

    [Fact]
    public async Task A_domain_at_its_share_of_the_streams_falls_back_to_gather_while_another_domain_still_gets_a_stream()
    {
        var greedy = await StreamDomain.CreateAsync(system, "streamgreedy");
        var other = await StreamDomain.CreateAsync(system, "streamother");
        await Eventually.Get(() => Task.FromResult<int?>(system.ActiveStreams()), n => n == 0, "earlier streams to end");
        var held = new List<ClientWebSocket>();
        using var drain = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < SystemFixture.MaxStreamsPerDomain; i++)
            {
                var (heldId, heldSid) = await system.UnansweredCallAsync(greedy);
                held.Add(await system.OpenStreamAsync(heldId, greedy.AccountSid, heldSid, system.TokenFor(heldId)));
                _ = held[^1].DrainAsync(drain.Token);
                await Eventually.Get(() => system.StreamRowAsync(heldId), r => r?.State == "open", "a held stream to open");
            }
            Assert.True(SystemFixture.MaxStreamsPerDomain < SystemFixture.MaxConcurrentStreams, "the process must have room left for this test");

            // One more of the greedy domain's streams is refused like one at a full process: 1001, and its call goes on with Gather.
            var (overId, overSid) = await system.UnansweredCallAsync(greedy);
            using (var over = await system.OpenStreamAsync(overId, greedy.AccountSid, overSid, system.TokenFor(overId)))
                Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await over.ClosedWithAsync(CloseWithin));
            Assert.Equal("refused", (await system.StreamRowAsync(overId))?.State);

            // A new call of the greedy domain is answered with Gather from the start.
            var person = SystemFixture.UniqueNumber();
            await system.Emulator.SetSpeechAsync(person, ["yes please"]);
            var callId = await (await system.StartAsync(Api.StartBody(person, "phone", "appointment_booking", "Book a visit", greedy.Name, "Noor"), greedy.Key))
                .AcceptedRequestIdAsync();
            var call = await system.Emulator.WaitForCallEndAsync((await system.RequestWithSidAsync(callId, greedy.Key)).Str("twilio_sid"), TimeSpan.FromSeconds(60));
            Assert.DoesNotContain(call.Conversation, s => s.Kind == "stream");
            Assert.Contains(call.Conversation, s => s.Kind == "gather");

            // Another tenant still gets its stream on the same process.
            var (otherId, otherSid) = await system.UnansweredCallAsync(other);
            held.Add(await system.OpenStreamAsync(otherId, other.AccountSid, otherSid, system.TokenFor(otherId)));
            _ = held[^1].DrainAsync(drain.Token);
            await Eventually.Get(() => system.StreamRowAsync(otherId), r => r?.State == "open", "the other domain's stream to open");
        }
        finally
        {
            foreach (var socket in held)
            {
                try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None); } catch (WebSocketException) { }
            }
            await drain.CancelAsync();
            foreach (var socket in held) socket.Dispose();
        }
    }

    /// <summary>The <paramref name="nth"/> finished server span of <c>/voice/stream/{id}</c> (its child spans stopped before it).</summary>
    private static Task<Activity> StreamSpanAsync(ConcurrentQueue<Activity> spans, Guid id, int nth) =>
        Eventually.Get(() => Task.FromResult(spans.Where(s => s.Source.Name == "Microsoft.AspNetCore"
                && s.TagObjects.Any(t => t.Value is string v && v.Contains($"/voice/stream/{id}", StringComparison.Ordinal))).Skip(nth - 1).FirstOrDefault()),
            _ => true, $"server span {nth} of the stream of {id}");
}
