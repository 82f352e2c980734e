using Aventora.Voice.Worker.Streams.Speech;

namespace Aventora.Voice.Worker.Streams.Offline;

/// <summary>
/// The offline pipeline's voice: each word rendered as a short tone (its pitch from the word, its length from its letters)
/// followed by a gap, as µ-law. Deterministic and cheap, and one piece per word, so playback (and a barge-in) is tracked word by word.
/// </summary>
public static class ToneVoice
{
    private const int Amplitude = 6000;

    public static byte[] Render(string word)
    {
        var letters = word.Count(char.IsLetterOrDigit);
        var toneMs = Math.Max(120, 50 + 45 * letters);
        const int gapMs = 60;
        var frequency = 300 + (int)(Stable(word) % 500);
        var samples = new byte[(toneMs + gapMs) * MuLaw.SampleRate / 1000];
        var toneSamples = toneMs * MuLaw.SampleRate / 1000;
        for (var i = 0; i < samples.Length; i++)
            samples[i] = i < toneSamples
                ? MuLaw.Encode((short)(Amplitude * Math.Sin(2 * Math.PI * frequency * i / MuLaw.SampleRate)))
                : MuLaw.Silence;
        return samples;
    }

    // string.GetHashCode is randomised per process; the voice must not be.
    private static uint Stable(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text) hash = (hash ^ c) * 16777619u;
        return hash;
    }
}
