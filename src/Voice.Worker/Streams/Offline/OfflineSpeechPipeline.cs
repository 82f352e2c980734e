using System.Threading.Channels;
using Aventora.Conversations.Assistant;
using Aventora.Voice.Worker.Streams.Speech;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams.Offline;

/// <summary>
/// The speech pipeline for tests and local runs: it hears the phrase book's recordings and keypad digits, asks the configured
/// assistant (<see cref="IAssistant"/>, as Gather calls do) what to say, and speaks with <see cref="ToneVoice"/>, one piece per word.
/// It holds at most <c>VoiceStream:MaxBufferedAudio</c> of a turn (<see cref="TurnDetector"/>).
/// </summary>
public sealed class OfflineSpeechPipeline(
    PhraseBook phrases, IAssistant assistant, IOptions<VoiceStreamOptions> options, StreamMetrics metrics, ILogger<OfflineSpeechPipeline> logger) : ISpeechPipeline
{
    public Task<ISpeechSession> OpenAsync(SpeechCall call, CancellationToken cancellationToken) =>
        Task.FromResult<ISpeechSession>(new Session(call, phrases, assistant,
            new TurnDetector(options.Value.SilenceToEndTurn, options.Value.MaxBufferedAudio), metrics, logger));

    private sealed class Session(SpeechCall call, PhraseBook phrases, IAssistant assistant, TurnDetector turns, StreamMetrics metrics, ILogger logger)
        : ISpeechSession
    {
        private readonly Channel<SpeechEvent> _events = Channel.CreateUnbounded<SpeechEvent>(new UnboundedChannelOptions { SingleReader = true });
        private int _responses;

        public ChannelReader<SpeechEvent> Events => _events.Reader;

        public async Task StartAsync(CancellationToken cancellationToken) =>
            Speak(await assistant.OpenAsync(call.Brief, cancellationToken));

        public ValueTask HearAsync(ReadOnlyMemory<byte> ulaw, CancellationToken cancellationToken)
        {
            switch (turns.Feed(ulaw.Span))
            {
                case TurnDetector.Started:
                    _events.Writer.TryWrite(new SpeechStarted());
                    break;
                case TurnDetector.Ended ended:
                    if (ended.Cut)
                        logger.LogWarning("The person's turn on request {RequestId} reached VoiceStream:MaxBufferedAudio ({Held}): cut there, and their audio is dropped until they are quiet",
                            call.RequestId, MuLaw.Duration(ended.Utterance.Length));
                    _events.Writer.TryWrite(new PersonSaid(phrases.Recognise(ended.Utterance)));
                    break;
                case TurnDetector.Dropped dropped:
                    metrics.AudioDropped("turn_too_long", MuLaw.Duration(dropped.Bytes));
                    break;
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask DigitAsync(string digit, CancellationToken cancellationToken)
        {
            _events.Writer.TryWrite(new PersonSaid(digit));
            return ValueTask.CompletedTask;
        }

        public async Task PersonTurnRecordedAsync(IReadOnlyList<Turn> transcript, CancellationToken cancellationToken) =>
            Speak(await assistant.ReplyAsync(call.Brief, transcript, cancellationToken));

        // The transcript the next answer is written from already holds only what was heard.
        public Task InterruptedAsync(string responseId, TimeSpan played, CancellationToken cancellationToken) => Task.CompletedTask;

        private void Speak(AssistantReply reply)
        {
            var id = $"r{Interlocked.Increment(ref _responses)}";
            foreach (var word in reply.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                _events.Writer.TryWrite(new AssistantAudio(id, ToneVoice.Render(word), word));
            _events.Writer.TryWrite(new AssistantDone(id, reply.Text, reply.EndsConversation));
        }

        public ValueTask DisposeAsync()
        {
            _events.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
