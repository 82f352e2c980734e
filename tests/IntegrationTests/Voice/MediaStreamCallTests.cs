using System.Net.Http.Json;
using System.Net.WebSockets;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;
using Dapper;

namespace Aventora.IntegrationTests.Voice;

/// <summary>
/// Stream-mode calls over the real system: the emulator plays the person on a Twilio Media Stream (recorded phrases, keys,
/// barge-in, a broken line), Voice.Worker holds the conversation with the offline speech pipeline, and the transcript in
/// GET /requests/{id} holds what the person heard and said.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class MediaStreamCallTests(SystemFixture system)
{
    private const string Instruction = "Book a follow-up visit";

    [Theory]
    [InlineData("phone")]
    [InlineData("wvoice")]
    public async Task A_two_turn_conversation_is_held_on_the_stream_and_transcribed(string channel)
    {
        var domain = await StreamDomain.CreateAsync(system, "stream" + channel);
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetStreamAsync(person, [StreamCallKit.Says("hmm, who is this?"), new StreamStep(Digits: "1")]);
        var (id, sid) = await StartAsync(domain, person, channel);

        var call = await system.Emulator.WaitForCallEndAsync(sid, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", call.Status);
        Assert.Contains(call.Conversation, s => s.Kind == "stream-start");
        Assert.DoesNotContain(call.Conversation, s => s.Kind == "gather");
        Assert.Equal(["hmm, who is this?"], call.Answers);
        Assert.Contains(call.Conversation, s => s.Kind == "dtmf" && s.Text == "1");
        Assert.Contains(call.Conversation, s => s.Kind == "stream-closed"); // the application ended the stream, then the call

        var request = await system.RequestWhenAsync(id, r => r["transcript"]!.AsArray().Count == 5, "the stream's transcript", domain.Key);
        var turns = StreamCallKit.Turns(request);
        Assert.Equal(["assistant", "person", "assistant", "person", "assistant"], turns.Select(t => t.Speaker).ToArray());
        Assert.Equal(await StreamCallKit.OpeningAsync(domain.Name, channel, "appointment_booking", Instruction, "Noor"), turns[0].Text);
        Assert.Equal("hmm, who is this?", turns[1].Text);
        Assert.Contains("did not understand", turns[2].Text);
        Assert.Equal("1", turns[3].Text);
        Assert.Contains("confirmed", turns[4].Text);
        Assert.Equal("completed", (await system.StreamEndedAsync(id))?.State);
        Assert.Equal("completed", (await system.RequestWhenAsync(id, r => r["status"]?.GetValue<string>() == "completed", "the call to complete", domain.Key))["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("phone")]
    [InlineData("wvoice")]
    public async Task Speaking_over_the_assistant_clears_its_audio_and_the_transcript_keeps_only_what_was_heard(string channel)
    {
        var domain = await StreamDomain.CreateAsync(system, "bargein" + channel);
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetStreamAsync(person, [StreamCallKit.Says("yes please", bargeInAfterMs: 1000)]);
        var (id, sid) = await StartAsync(domain, person, channel);

        var call = await system.Emulator.WaitForCallEndAsync(sid, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", call.Status);
        var clear = Assert.Single(call.Conversation, s => s.Kind == "clear");
        Assert.True(int.Parse(clear.Text!) > 0, "the clear should have discarded audio still waiting to be played");

        var request = await system.RequestWhenAsync(id, r => r["transcript"]!.AsArray().Count == 3, "the barge-in transcript", domain.Key);
        var turns = StreamCallKit.Turns(request);
        var opening = await StreamCallKit.OpeningAsync(domain.Name, channel, "appointment_booking", Instruction, "Noor");
        Assert.Equal("assistant", turns[0].Speaker);
        Assert.StartsWith("Hello", turns[0].Text);
        Assert.True(turns[0].Text.Length < opening.Length && opening.StartsWith(turns[0].Text, StringComparison.Ordinal),
            $"the transcript should hold the part of the opening that was played, not all of it: '{turns[0].Text}'");
        Assert.Equal(("person", "yes please"), turns[1]);
        Assert.Contains("confirmed", turns[2].Text);
        Assert.Equal(("completed", 1), await system.StreamEndedAsync(id));
    }

    [Theory]
    [InlineData("phone")]
    [InlineData("wvoice")]
    public async Task A_dropped_stream_ends_the_call_politely(string channel)
    {
        var domain = await StreamDomain.CreateAsync(system, "dropped" + channel);
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetStreamAsync(person, [new StreamStep(Drop: true)]);
        var (id, sid) = await StartAsync(domain, person, channel);

        var call = await system.Emulator.WaitForCallEndAsync(sid, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", call.Status);
        Assert.Contains(call.Conversation, s => s.Kind == "stream-dropped");
        Assert.Contains(call.Says, s => s.Contains("the line was interrupted"));
        Assert.Contains(call.Conversation, s => s.Kind == "hangup");
        Assert.Equal("dropped", (await system.StreamEndedAsync(id))?.State);
        var request = await system.RequestWhenAsync(id, r => r["transcript"]!.AsArray().Count == 1, "the opening in the transcript", domain.Key);
        Assert.StartsWith("Hello Noor", StreamCallKit.Turns(request)[0].Text);
    }

    [Theory]
    [InlineData("phone")]
    [InlineData("wvoice")]
    public async Task A_stream_with_a_bad_token_is_refused(string channel)
    {
        var domain = await StreamDomain.CreateAsync(system, "badtoken" + channel);
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(person, "no-answer"); // a real request and call, but nobody picks up
        var id = await (await system.StartAsync(Api.StartBody(person, channel, "appointment_booking", Instruction, domain.Name, "Noor"), domain.Key))
            .AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id, domain.Key)).Str("twilio_sid");

        var good = system.TokenFor(id);
        foreach (var token in new[] { "not-a-token", good[..^2] + "xx", system.TokenFor(Guid.NewGuid()) })
        {
            using var socket = await system.OpenStreamAsync(id, domain.AccountSid, sid, token);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await socket.ClosedWithAsync(TimeSpan.FromSeconds(10)));
        }
        // A good token for the request, but from another account, is refused too.
        using (var other = await system.OpenStreamAsync(id, SystemFixture.NewAccountCredentials().Sid, sid, good))
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await other.ClosedWithAsync(TimeSpan.FromSeconds(10)));

        Assert.Null(await system.StreamRowAsync(id));
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM conversation_turns WHERE request_id = @id", new { id }));
    }

    [Fact]
    public async Task At_capacity_a_stream_mode_call_falls_back_to_gather()
    {
        var domain = await StreamDomain.CreateAsync(system, "streamcap");
        // Other tenants fill the process, each within its share (VoiceStream:MaxStreamsPerDomain), so this domain has none open.
        var holders = new[] { await StreamDomain.CreateAsync(system, "streamcaphold"), await StreamDomain.CreateAsync(system, "streamcaphold") };
        await Eventually.Get(() => Task.FromResult<int?>(system.ActiveStreams()), n => n == 0, "earlier streams to end");

        // Calls nobody answers hold the process's streams: Twilio would not connect them, the test does, with valid tokens.
        var held = new List<(ClientWebSocket Socket, Guid Id)>();
        using var drain = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < SystemFixture.MaxConcurrentStreams; i++)
            {
                var holder = holders[i / SystemFixture.MaxStreamsPerDomain];
                var quiet = SystemFixture.UniqueNumber();
                await system.Emulator.SetCallOutcomeAsync(quiet, "no-answer");
                var quietId = await (await system.StartAsync(Api.StartBody(quiet, "phone", "informational", "Holding a line", holder.Name), holder.Key)).AcceptedRequestIdAsync();
                var quietSid = (await system.RequestWithSidAsync(quietId, holder.Key)).Str("twilio_sid");
                var socket = await system.OpenStreamAsync(quietId, holder.AccountSid, quietSid, system.TokenFor(quietId));
                _ = socket.DrainAsync(drain.Token);
                held.Add((socket, quietId));
                await Eventually.Get(() => system.StreamRowAsync(quietId), r => r?.State == "open", "a held stream to open");
            }

            var person = SystemFixture.UniqueNumber();
            await system.Emulator.SetSpeechAsync(person, ["yes please"]);
            var (id, sid) = await StartAsync(domain, person, "phone");

            var call = await system.Emulator.WaitForCallEndAsync(sid, TimeSpan.FromSeconds(60));
            Assert.Equal("completed", call.Status);
            Assert.DoesNotContain(call.Conversation, s => s.Kind == "stream");
            Assert.Contains(call.Conversation, s => s.Kind == "gather");
            Assert.Equal(["yes please"], call.Answers);
            var request = await system.RequestWhenAsync(id, r => r["transcript"]!.AsArray().Count == 3, "the Gather transcript", domain.Key);
            Assert.Equal("yes please", StreamCallKit.Turns(request)[1].Text);
            Assert.Null(await system.StreamRowAsync(id));
        }
        finally
        {
            foreach (var (socket, _) in held)
            {
                try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None); } catch (WebSocketException) { }
            }
            await drain.CancelAsync();
            foreach (var (socket, _) in held) socket.Dispose();
        }
    }

    [Fact]
    public async Task A_stream_refused_at_the_socket_falls_back_to_gather()
    {
        // The TwiML was answered while there was room; by the time Twilio connects, the process is full.
        var domain = await StreamDomain.CreateAsync(system, "streamrefused");
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(person, "no-answer");
        var id = await (await system.StartAsync(Api.StartBody(person, "phone", "informational", "Refused", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id, domain.Key)).Str("twilio_sid");
        await Eventually.Get(() => Task.FromResult<int?>(system.ActiveStreams()), n => n == 0, "earlier streams to end");

        var capacity = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Aventora.Voice.Worker.Streams.StreamCapacity>(system.Voice.Services);
        var taken = new List<Aventora.Voice.Worker.Streams.StreamCapacity.Slot>();
        try
        {
            while (capacity.TryEnter($"filler-{taken.Count}") is { } slot) taken.Add(slot);
            using var socket = await system.OpenStreamAsync(id, domain.AccountSid, sid, system.TokenFor(id));
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await socket.ClosedWithAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("refused", (await system.StreamRowAsync(id))?.State);
        }
        finally
        {
            foreach (var slot in taken) slot.Dispose();
        }

        // Twilio then requests the <Connect> action: the conversation goes on with Gather turns from the opening.
        var url = $"{system.Settings["Ingress:PublicBaseUrl"]}/voice/twiml/{id}?after=stream";
        var form = new Dictionary<string, string> { ["CallSid"] = sid, ["AccountSid"] = domain.AccountSid, ["CallStatus"] = "in-progress" };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Aventora.Ingress.Api.Webhooks.TwilioSignature.Compute(domain.AuthToken, url, form));
        using var http = new HttpClient();
        var twiml = await (await http.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("<Gather input=\"speech\"", twiml);
        Assert.DoesNotContain("<Stream", twiml);
    }

    [Fact]
    public async Task A_voice_mode_other_than_gather_or_stream_is_refused_naming_the_key()
    {
        var domain = await StreamDomain.CreateAsync(system, "voicemode", voiceMode: "gather");
        var answer = await system.Admin.PutAsJsonAsync($"/admin/domains/{domain.Name}", new { technical_json = new { voice_mode = "loud" } });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("technical_json.voice_mode", await answer.Content.ReadAsStringAsync());
        var stored = await (await system.Admin.GetAsync($"/admin/domains/{domain.Name}")).JsonAsync();
        Assert.Equal("gather", stored["technical_json"]!["voice_mode"]!.GetValue<string>());
    }

    private async Task<(Guid Id, string Sid)> StartAsync(StreamDomain domain, string person, string channel)
    {
        var id = await (await system.StartAsync(Api.StartBody(person, channel, "appointment_booking", Instruction, domain.Name, "Noor"), domain.Key))
            .AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id, domain.Key)).Str("twilio_sid");
        return (id, sid);
    }
}
