using System.Security.Cryptography;
using Aventora.Voice.Worker.Streams.Speech;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams.Offline;

/// <summary>
/// The offline pipeline's ear: a small set of recorded phrases (<c>phrases.tsv</c>: file, text; the files are µ-law),
/// recognised by the exact audio they hold once silence is trimmed from both ends (a fingerprint, not speech recognition).
/// Loaded at startup: a missing or empty phrase book stops the process with the folder named.
/// </summary>
public sealed class PhraseBook
{
    public const string Unrecognised = "(unclear)";

    private readonly Dictionary<string, string> _byFingerprint = new(StringComparer.Ordinal);

    public PhraseBook(IOptions<VoiceStreamOptions> options)
    {
        Folder = options.Value.PhrasesFolder ?? DefaultFolder;
        var index = Path.Combine(Folder, "phrases.tsv");
        if (!File.Exists(index)) throw new InvalidOperationException($"VoiceStream:PhrasesFolder '{Folder}' has no phrases.tsv (file<TAB>text per line).");
        foreach (var line in File.ReadAllLines(index).Where(l => l.Contains('\t')))
        {
            var (file, text) = (line[..line.IndexOf('\t')], line[(line.IndexOf('\t') + 1)..].Trim());
            var audio = File.ReadAllBytes(Path.Combine(Folder, file));
            _byFingerprint[Fingerprint(audio)] = text;
            Phrases[text] = audio;
        }
        if (Phrases.Count == 0) throw new InvalidOperationException($"VoiceStream:PhrasesFolder '{Folder}' lists no phrases in phrases.tsv.");
    }

    /// <summary>The shipped phrase book, next to the executable.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "Streams", "Offline", "Phrases");

    public string Folder { get; }

    /// <summary>Each phrase's text and recording.</summary>
    public Dictionary<string, byte[]> Phrases { get; } = new(StringComparer.Ordinal);

    public string Recognise(ReadOnlySpan<byte> utterance) =>
        _byFingerprint.TryGetValue(Fingerprint(utterance), out var text) ? text : Unrecognised;

    /// <summary>The audio between the first and the last sample that is not (near) silence, hashed.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> ulaw)
    {
        var start = 0;
        while (start < ulaw.Length && IsQuiet(ulaw[start])) start++;
        var end = ulaw.Length;
        while (end > start && IsQuiet(ulaw[end - 1])) end--;
        return Convert.ToHexString(SHA256.HashData(ulaw[start..end]));
    }

    private static bool IsQuiet(byte sample) => Math.Abs((int)MuLaw.Decode(sample)) <= 16;
}
