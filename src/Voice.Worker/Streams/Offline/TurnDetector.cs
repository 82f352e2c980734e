using Aventora.Voice.Worker.Streams.Speech;

namespace Aventora.Voice.Worker.Streams.Offline;

/// <summary>
/// Server-side turn detection by energy, counted in audio (not wall-clock) time so it behaves the same at any pace:
/// speech starts at the first loud frame, ends after <c>silence</c> of quiet frames. The utterance keeps a pre-roll of the
/// frames before the start, so a soft onset is not cut off.
/// </summary>
public sealed class TurnDetector(TimeSpan silence)
{
    private const double SpeechEnergy = 300;
    private static readonly TimeSpan PreRoll = TimeSpan.FromMilliseconds(300);

    private readonly Queue<byte[]> _preRoll = new();
    private readonly List<byte> _utterance = [];
    private int _preRollBytes;
    private int _quietBytes;
    private bool _speaking;

    public abstract record Detected;
    public sealed record Started : Detected;
    public sealed record Ended(byte[] Utterance) : Detected;

    /// <summary>Feeds one frame; returns what it marks: the start of speech, its end (with the utterance), or nothing.</summary>
    public Detected? Feed(ReadOnlySpan<byte> frame)
    {
        var loud = MuLaw.Energy(frame) >= SpeechEnergy;
        if (!_speaking)
        {
            if (!loud)
            {
                _preRoll.Enqueue(frame.ToArray());
                _preRollBytes += frame.Length;
                while (_preRollBytes > PreRoll.TotalSeconds * MuLaw.SampleRate) _preRollBytes -= _preRoll.Dequeue().Length;
                return null;
            }
            _speaking = true;
            _quietBytes = 0;
            foreach (var before in _preRoll) _utterance.AddRange(before);
            _preRoll.Clear();
            _preRollBytes = 0;
            _utterance.AddRange(frame);
            return new Started();
        }

        _utterance.AddRange(frame);
        _quietBytes = loud ? 0 : _quietBytes + frame.Length;
        if (_quietBytes < silence.TotalSeconds * MuLaw.SampleRate) return null;
        var utterance = _utterance.ToArray();
        _utterance.Clear();
        _speaking = false;
        return new Ended(utterance);
    }
}
