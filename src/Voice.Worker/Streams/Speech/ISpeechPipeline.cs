using System.Threading.Channels;
using Aventora.Conversations.Assistant;

namespace Aventora.Voice.Worker.Streams.Speech;

/// <summary>What a speech session is about: the request and the brief its assistant works from.</summary>
public sealed record SpeechCall(Guid RequestId, ConversationBrief Brief);

/// <summary>
/// Turns a call's audio into conversation: the person's µ-law audio (8 kHz) and keypad digits go in, their turns and the
/// assistant's spoken answers come out as <see cref="SpeechEvent"/>s. Chosen by <c>VoiceStream:Pipeline</c>: offline or realtime.
/// </summary>
public interface ISpeechPipeline
{
    Task<ISpeechSession> OpenAsync(SpeechCall call, CancellationToken cancellationToken);
}

/// <summary>One call's speech session. Events end (the reader completes) when the session fails or is disposed.</summary>
public interface ISpeechSession : IAsyncDisposable
{
    ChannelReader<SpeechEvent> Events { get; }

    /// <summary>The stream is up: speak the opening.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>One frame of the person's audio, as Twilio sent it (µ-law, 8 kHz, mono).</summary>
    ValueTask HearAsync(ReadOnlyMemory<byte> ulaw, CancellationToken cancellationToken);

    /// <summary>The person pressed a key.</summary>
    ValueTask DigitAsync(string digit, CancellationToken cancellationToken);

    /// <summary>The person's turn is in the transcript (which holds only what the person heard): answer it, unless the provider already does.</summary>
    Task PersonTurnRecordedAsync(IReadOnlyList<Turn> transcript, CancellationToken cancellationToken);

    /// <summary>The person spoke over <paramref name="responseId"/>; only <paramref name="played"/> of its audio was heard.</summary>
    Task InterruptedAsync(string responseId, TimeSpan played, CancellationToken cancellationToken);
}

public abstract record SpeechEvent;

/// <summary>The person started speaking (the server-side turn detection heard them): a barge-in if the assistant is talking.</summary>
public sealed record SpeechStarted : SpeechEvent;

/// <summary>The person's finished turn, as text.</summary>
public sealed record PersonSaid(string Text) : SpeechEvent;

/// <summary>A piece of the assistant's answer: µ-law audio and the words it carries (may be empty).</summary>
public sealed record AssistantAudio(string ResponseId, byte[] Audio, string Text) : SpeechEvent;

/// <summary>The assistant's answer is complete: its full text, and whether it ends the call.</summary>
public sealed record AssistantDone(string ResponseId, string Text, bool EndsCall) : SpeechEvent;

/// <summary>The provider failed; the call is ended politely.</summary>
public sealed record SpeechFailed(string Reason) : SpeechEvent;
