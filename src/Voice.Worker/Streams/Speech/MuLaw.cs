namespace Aventora.Voice.Worker.Streams.Speech;

/// <summary>G.711 µ-law, the audio of Twilio's Media Streams (8 kHz, one byte per sample).</summary>
public static class MuLaw
{
    public const int SampleRate = 8000;
    public const byte Silence = 0xFF;

    public static short Decode(byte value)
    {
        var b = ~value & 0xFF;
        var sample = (((b & 0x0F) << 3) + 0x84) << ((b >> 4) & 0x07);
        return (short)((b & 0x80) != 0 ? 0x84 - sample : sample - 0x84);
    }

    public static byte Encode(short pcm)
    {
        int sample = pcm, sign = 0;
        if (sample < 0) { sample = -sample; sign = 0x80; }
        sample = Math.Min(sample, 32635) + 0x84;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) exponent--;
        return (byte)~(sign | (exponent << 4) | ((sample >> (exponent + 3)) & 0x0F));
    }

    public static TimeSpan Duration(int bytes) => TimeSpan.FromSeconds(bytes / (double)SampleRate);

    /// <summary>Root mean square of a frame, in linear PCM units.</summary>
    public static double Energy(ReadOnlySpan<byte> ulaw)
    {
        if (ulaw.IsEmpty) return 0;
        double sum = 0;
        foreach (var b in ulaw) { double s = Decode(b); sum += s * s; }
        return Math.Sqrt(sum / ulaw.Length);
    }
}
