using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>The streams this process holds, against <c>VoiceStream:MaxConcurrentStreams</c>.</summary>
public sealed class StreamCapacity(IOptions<VoiceStreamOptions> options)
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    /// <summary>A hint for the TwiML answer: a full process sends the call to Gather before Twilio even connects.</summary>
    public bool HasRoom => Active < options.Value.MaxConcurrentStreams;

    /// <summary>Takes a place, or false when the process is full (the stream is then refused).</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _active) <= options.Value.MaxConcurrentStreams) return true;
        Interlocked.Decrement(ref _active);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _active);
}
