using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aventora.Conversations.Assistant;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.Voice.Worker.Streams.Speech;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>Builds a <see cref="StreamConversation"/> for an admitted stream.</summary>
public sealed class StreamConversationFactory(
    ISpeechPipeline pipeline, ConversationTurnRepository turns, VoiceStreamRepository streams, StreamMetrics metrics,
    IOptions<VoiceStreamOptions> options, StreamClock clock, ILogger<StreamConversation> logger)
{
    public StreamConversation Create(TwilioStreamSocket socket, CallLog log, string streamSid, string callSid) =>
        new(socket, log, streamSid, callSid, pipeline, new AudioPace(options.Value.AudioBurst, options.Value.MaxAudioSpeed, clock.Time),
            turns, streams, metrics, logger);
}

/// <summary>
/// One call held on a Media Stream. The person's audio goes to the speech pipeline; its answers go back as media, each
/// piece followed by a mark, and Twilio echoes a mark once that piece was played. So the transcript records of each answer
/// only what the person heard: all of it once its last mark is back, or, when the person speaks over it (a barge-in: the
/// audio is cleared), the pieces played until then. The stream ends as completed (the assistant closed the conversation; we
/// close the WebSocket and Twilio asks for the next TwiML, a hang-up), hung_up (Twilio's stop), or dropped (the socket or
/// the provider failed; the next TwiML ends the call politely). The state is written before the socket is closed. The person's
/// audio reaches the pipeline no faster than real time (<see cref="AudioPace"/>): a stream that floods it ends dropped (1008),
/// as does one that sends a message over <c>VoiceStream:MaxMessageBytes</c> (1009).
/// </summary>
public sealed class StreamConversation(
    TwilioStreamSocket socket, CallLog log, string streamSid, string callSid, ISpeechPipeline pipeline, AudioPace pace,
    ConversationTurnRepository turns, VoiceStreamRepository streams, StreamMetrics metrics, ILogger<StreamConversation> logger)
{
    private sealed class Answer(string id)
    {
        public string Id { get; } = id;
        public List<(string Text, TimeSpan Length)> Pieces { get; } = [];
        public int Played { get; set; }
        public string? FullText { get; set; }
        public bool EndsCall { get; set; }
        public bool Interrupted { get; set; }
        public bool Recorded { get; set; }
        public bool FullyPlayed => FullText is not null && Played == Pieces.Count;
        public string HeardText => string.Join(' ', Pieces.Take(Played).Select(p => p.Text).Where(t => t.Length > 0));
        public TimeSpan HeardLength => Pieces.Take(Played).Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Length);
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Answer> _answers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writes = new(1, 1);
    private Answer? _current;
    private int _personTurns;
    private int _bargeIns;
    private string? _outcome;
    private long? _personDoneAt;
    private bool _ending;

    public Guid RequestId => log.Id;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        metrics.Opened(); // its row was bound open on admission
        logger.LogInformation("Media Stream {StreamSid} of call {CallSid} (request {RequestId}) is open", streamSid, callSid, log.Id);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ISpeechSession? speech = null;
        Task events = Task.CompletedTask;
        try
        {
            speech = await pipeline.OpenAsync(new SpeechCall(log.Id, new ConversationBrief(log.DomainName, log.Channel, log.Type, log.Instruction, log.Name)), stop.Token);
            events = Task.Run(() => RelayAnswersAsync(speech, stop.Token), CancellationToken.None);
            await speech.StartAsync(stop.Token);
            await ListenAsync(speech, stop.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Media Stream {StreamSid} of request {RequestId} failed", streamSid, log.Id);
        }
        finally
        {
            await FinishAsync("dropped"); // no-op when it already ended otherwise
            await stop.CancelAsync();
            await events.ContinueWith(_ => { }, TaskScheduler.Default);
            if (speech is not null) await speech.DisposeAsync();
        }
    }

    /// <summary>Twilio's messages: the person's audio and keys to the pipeline, marks to the playback account, stop ends it.</summary>
    private async Task ListenAsync(ISpeechSession speech, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            JsonObject? message;
            try
            {
                message = await socket.ReceiveAsync(ct);
            }
            catch (TwilioStreamSocket.MessageTooLargeException e)
            {
                logger.LogWarning("Media Stream {StreamSid} of request {RequestId} sent an oversized message: {Reason}; closing it", streamSid, log.Id, e.Message);
                await FinishAsync("dropped", WebSocketCloseStatus.MessageTooBig);
                return;
            }
            if (message is null) return; // closed: by us after finishing, or by Twilio without stop (then it dropped)
            switch (TwilioStreamSocket.Text(message["event"]))
            {
                case "media" when TwilioStreamSocket.Text(message["media"]?["payload"]) is { } payload:
                    var audio = Convert.FromBase64String(payload);
                    var verdict = await PacedAsync(audio.Length);
                    if (verdict == AudioPace.Verdict.Accepted) await speech.HearAsync(audio, ct);
                    if (verdict == AudioPace.Verdict.Exceeded) return;
                    break;
                case "dtmf" when TwilioStreamSocket.Text(message["dtmf"]?["digit"]) is { } digit:
                    await speech.DigitAsync(digit, ct);
                    break;
                case "mark" when TwilioStreamSocket.Text(message["mark"]?["name"]) is { } name:
                    await PlayedAsync(name);
                    break;
                case "stop":
                    await FinishAsync("hung_up");
                    return;
            }
        }
    }

    /// <summary>Whether a frame is within the stream's real-time allowance; what is not is dropped, and a flood ends the stream.</summary>
    private async Task<AudioPace.Verdict> PacedAsync(int bytes)
    {
        var verdict = pace.Take(bytes);
        if (verdict == AudioPace.Verdict.Accepted) return verdict;
        metrics.AudioDropped("pace", MuLaw.Duration(bytes));
        if (pace.DroppedBytes == bytes)
            logger.LogWarning("Media Stream {StreamSid} of request {RequestId} sends audio faster than real time: dropping what goes beyond VoiceStream:AudioBurst",
                streamSid, log.Id);
        if (verdict == AudioPace.Verdict.Exceeded)
        {
            logger.LogWarning("Media Stream {StreamSid} of request {RequestId} had {Dropped} of audio dropped for its pace: closing it",
                streamSid, log.Id, MuLaw.Duration((int)pace.DroppedBytes));
            await FinishAsync("dropped", WebSocketCloseStatus.PolicyViolation);
        }
        return verdict;
    }

    /// <summary>The pipeline's events: barge-ins, the person's turns, the assistant's audio.</summary>
    private async Task RelayAnswersAsync(ISpeechSession speech, CancellationToken ct)
    {
        try
        {
            await foreach (var @event in speech.Events.ReadAllAsync(ct))
            {
                switch (@event)
                {
                    case SpeechStarted:
                        await BargeInAsync(speech, ct);
                        break;
                    case PersonSaid said:
                        await RecordPersonAsync(said.Text, ct);
                        await speech.PersonTurnRecordedAsync(await TranscriptAsync(ct), ct);
                        break;
                    case AssistantAudio audio:
                        await SendAsync(audio, ct);
                        break;
                    case AssistantDone done:
                        await DoneAsync(done);
                        break;
                    case SpeechFailed failed:
                        logger.LogWarning("The speech pipeline of request {RequestId} failed: {Reason}", log.Id, failed.Reason);
                        await FinishAsync("dropped");
                        return;
                }
            }
            logger.LogWarning("The speech pipeline of request {RequestId} closed before the call ended", log.Id);
            await FinishAsync("dropped");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The stream ended.
        }
        catch (Exception e) when (e is WebSocketException or IOException or JsonException or InvalidOperationException)
        {
            logger.LogWarning(e, "Relaying answers on Media Stream {StreamSid} failed", streamSid);
            await FinishAsync("dropped");
        }
    }

    private async Task SendAsync(AssistantAudio audio, CancellationToken ct)
    {
        int piece;
        lock (_gate)
        {
            if (_outcome is not null) return;
            if (!_answers.TryGetValue(audio.ResponseId, out var answer)) _answers[audio.ResponseId] = answer = new Answer(audio.ResponseId);
            if (answer.Interrupted) return; // what the provider still sends of an answer the person cut off
            _current = answer;
            answer.Pieces.Add((audio.Text, MuLaw.Duration(audio.Audio.Length)));
            piece = answer.Pieces.Count - 1;
            if (_personDoneAt is { } since)
            {
                metrics.ReplyLatency(Stopwatch.GetElapsedTime(since));
                _personDoneAt = null;
            }
        }
        await socket.SendMediaAsync(audio.Audio, ct);
        await socket.SendMarkAsync($"{audio.ResponseId}:{piece}", ct);
    }

    private async Task DoneAsync(AssistantDone done)
    {
        lock (_gate)
        {
            if (!_answers.TryGetValue(done.ResponseId, out var answer)) _answers[done.ResponseId] = answer = new Answer(done.ResponseId);
            answer.FullText = done.Text;
            answer.EndsCall = done.EndsCall;
        }
        await SettleAsync(done.ResponseId);
    }

    /// <summary>Twilio played up to this mark.</summary>
    private async Task PlayedAsync(string mark)
    {
        var colon = mark.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(mark.AsSpan(colon + 1), out var piece)) return;
        var id = mark[..colon];
        lock (_gate)
        {
            // After a clear Twilio echoes the marks it dropped too; those were not heard.
            if (!_answers.TryGetValue(id, out var answer) || answer.Interrupted) return;
            answer.Played = Math.Max(answer.Played, Math.Min(piece + 1, answer.Pieces.Count));
        }
        await SettleAsync(id);
    }

    /// <summary>
    /// An answer heard to its end goes into the transcript. Once an answer closes the conversation, the call ends as soon as
    /// nothing is left playing (a realtime model may close it in a response of its own, after the goodbye it is still saying).
    /// </summary>
    private async Task SettleAsync(string id)
    {
        string? text = null;
        bool end;
        lock (_gate)
        {
            var answer = _answers[id];
            if (answer.FullyPlayed && !answer.Recorded && !answer.Interrupted)
            {
                answer.Recorded = true;
                text = answer.FullText;
                _ending |= answer.EndsCall;
            }
            end = _ending && _answers.Values.All(a => a.Recorded || a.Interrupted);
        }
        if (!string.IsNullOrWhiteSpace(text)) await RecordAssistantAsync(id, text);
        if (end) await FinishAsync("completed");
    }

    /// <summary>The person spoke while the assistant's audio was still playing: clear it, keep what was heard.</summary>
    private async Task BargeInAsync(ISpeechSession speech, CancellationToken ct)
    {
        Answer? cut;
        lock (_gate)
        {
            cut = _current is { Interrupted: false, Recorded: false } answer && answer.Played < answer.Pieces.Count ? answer : null;
            if (cut is null) return;
            cut.Interrupted = true;
            cut.Recorded = true;
            _bargeIns++;
        }
        await socket.SendClearAsync(ct);
        metrics.BargeIn();
        logger.LogInformation("Barge-in on request {RequestId}: cleared answer {ResponseId} after {Played} of {Pieces} pieces",
            log.Id, cut.Id, cut.Played, cut.Pieces.Count);
        if (cut.HeardText.Length > 0) await RecordAssistantAsync(cut.Id, cut.HeardText);
        await speech.InterruptedAsync(cut.Id, cut.HeardLength, ct);
    }

    private async Task RecordPersonAsync(string text, CancellationToken ct)
    {
        var turn = Interlocked.Increment(ref _personTurns);
        await WriteAsync(() => turns.TryRecordPersonAsync(log.Id, text, $"{streamSid}:p{turn}", ct));
        lock (_gate) _personDoneAt = Stopwatch.GetTimestamp();
    }

    private Task RecordAssistantAsync(string responseId, string text) =>
        WriteAsync(() => turns.TryClaimAssistantAsync(log.Id, text, $"stream:{streamSid}:{responseId}", CancellationToken.None));

    private async Task<IReadOnlyList<Turn>> TranscriptAsync(CancellationToken ct) =>
        (await turns.ListAsync(log.Id, ct)).Select(t => new Turn(t.Speaker, t.Text)).ToList();

    // Both loops write turns; one at a time keeps them in the order they happened.
    private async Task WriteAsync(Func<Task> write)
    {
        await _writes.WaitAsync();
        try { await write(); }
        finally { _writes.Release(); }
    }

    /// <summary>Ends the stream once: what was heard of an unfinished answer is kept, the state is written, then the socket closes.</summary>
    private async Task FinishAsync(string outcome, WebSocketCloseStatus close = WebSocketCloseStatus.NormalClosure)
    {
        Answer? unfinished;
        int bargeIns;
        lock (_gate)
        {
            if (_outcome is not null) return;
            _outcome = outcome;
            unfinished = _current is { Recorded: false, Interrupted: false } answer && answer.Played > 0 ? answer : null;
            if (unfinished is not null) unfinished.Recorded = true;
            bargeIns = _bargeIns;
        }
        try
        {
            if (unfinished is not null) await RecordAssistantAsync(unfinished.Id, unfinished.HeardText);
            await streams.EndAsync(log.Id, streamSid, outcome, bargeIns, CancellationToken.None);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogError(e, "Could not record the end ({Outcome}) of Media Stream {StreamSid}", outcome, streamSid);
        }
        metrics.Ended(outcome, wasOpen: true);
        logger.LogInformation("Media Stream {StreamSid} of request {RequestId} ended: {Outcome}", streamSid, log.Id, outcome);
        if (outcome is "completed" or "dropped") await socket.CloseAsync(close, outcome);
    }
}
