using Aventora.Voice.Worker.Streams.Speech;

namespace Aventora.Voice.Worker.Streams.Offline;

/// <summary>
/// Server-side turn detection by energy, counted in audio (not wall-clock) time so it behaves the same at any pace:
/// speech starts at the first loud frame, ends after <c>silence</c> of quiet frames. The utterance keeps a pre-roll of the
/// frames before the start, so a soft onset is not cut off. It holds at most <c>maxTurn</c> of audio: a turn that reaches it
/// (a noisy line never falls quiet) is cut there, and what follows is dropped until the line is quiet for <c>silence</c>.
/// </summary>
public sealed class TurnDetector(TimeSpan silence, TimeSpan maxTurn)
{
    private const double SpeechEnergy = 300;
    private static readonly TimeSpan PreRoll = TimeSpan.FromMilliseconds(300);

    private readonly Queue<byte[]> _preRoll = new();
    private readonly List<byte> _utterance = [];
    private readonly int _maxTurnBytes = (int)(maxTurn.TotalSeconds * MuLaw.SampleRate);
    private int _preRollBytes;
    private int _quietBytes;
    private bool _speaking;
    private bool _cut;

    public abstract record Detected;
    public sealed record Started : Detected;
    /// <summary>The turn's audio; <paramref name="Cut"/> when it ended at the cap rather than in silence.</summary>
    public sealed record Ended(byte[] Utterance, bool Cut = false) : Detected;
    /// <summary>A frame after a cut turn, before the line fell quiet: not heard.</summary>
    public sealed record Dropped(int Bytes) : Detected;

    /// <summary>Feeds one frame; returns what it marks: the start of speech, its end (with the utterance), a dropped frame, or nothing.</summary>
    public Detected? Feed(ReadOnlySpan<byte> frame)
    {
        var loud = MuLaw.Energy(frame) >= SpeechEnergy;
        if (_cut)
        {
            _quietBytes = loud ? 0 : _quietBytes + frame.Length;
            if (_quietBytes >= SilenceBytes) (_cut, _quietBytes) = (false, 0);
            return new Dropped(frame.Length);
        }
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
        var cut = _quietBytes < SilenceBytes && _utterance.Count >= _maxTurnBytes;
        if (_quietBytes < SilenceBytes && !cut) return null;
        var utterance = _utterance.ToArray();
        _utterance.Clear();
        _speaking = false;
        (_cut, _quietBytes) = (cut, 0);
        return new Ended(utterance, cut);
    }

    private double SilenceBytes => silence.TotalSeconds * MuLaw.SampleRate;
}
