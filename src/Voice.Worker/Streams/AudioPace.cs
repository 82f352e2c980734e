using Aventora.Voice.Worker.Streams.Speech;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// Keeps a stream's audio to real time, so nobody can feed the (paid) speech model faster than a call talks: a token bucket
/// of audio that holds <c>VoiceStream:AudioBurst</c> and refills at <c>VoiceStream:MaxAudioSpeed</c> times real time. Twilio
/// sends a 20 ms frame every 20 ms and never runs it dry; audio beyond it is dropped, and once as much as the burst has been
/// dropped the stream is no longer taken for Twilio.
/// </summary>
public sealed class AudioPace(TimeSpan burst, double speed, TimeProvider clock)
{
    public enum Verdict { Accepted, Dropped, Exceeded }

    private readonly double _capacity = burst.TotalSeconds * MuLaw.SampleRate;
    private double _available = burst.TotalSeconds * MuLaw.SampleRate;
    private long _last = clock.GetTimestamp();

    /// <summary>Audio dropped so far, in µ-law bytes (8,000 a second).</summary>
    public long DroppedBytes { get; private set; }

    /// <summary>Takes one frame of <paramref name="bytes"/> µ-law bytes: accepted, dropped, or dropped with the stream over its allowance.</summary>
    public Verdict Take(int bytes)
    {
        var now = clock.GetTimestamp();
        _available = Math.Min(_capacity, _available + clock.GetElapsedTime(_last, now).TotalSeconds * speed * MuLaw.SampleRate);
        _last = now;
        if (bytes <= _available)
        {
            _available -= bytes;
            return Verdict.Accepted;
        }
        DroppedBytes += bytes;
        return DroppedBytes >= _capacity ? Verdict.Exceeded : Verdict.Dropped;
    }
}
