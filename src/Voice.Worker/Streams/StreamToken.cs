using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// The token a stream-mode call's TwiML hands Twilio as a <c>&lt;Parameter&gt;</c>, and Twilio gives back in the stream's
/// <c>start</c> message: "expiry.HMAC-SHA256(request id, expiry)" with <c>VoiceStream:SigningSecret</c>. Any Voice.Worker copy
/// with the same secret can check it, so the WebSocket may land on any copy.
/// </summary>
public sealed class StreamToken(IOptions<VoiceStreamOptions> options, TimeProvider clock)
{
    public string Issue(Guid requestId)
    {
        var expires = clock.GetUtcNow().Add(options.Value.TokenLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{expires}.{Signature(requestId, expires)}";
    }

    public bool IsValid(Guid requestId, string? token)
    {
        if (string.IsNullOrEmpty(token) || options.Value.SigningSecret is null) return false;
        var dot = token.IndexOf('.');
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return false;
        if (clock.GetUtcNow().ToUnixTimeSeconds() > expires) return false;
        var expected = Encoding.ASCII.GetBytes(Signature(requestId, token[..dot]));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(token[(dot + 1)..]));
    }

    private string Signature(Guid requestId, string expires)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.SigningSecret!), Encoding.UTF8.GetBytes($"{requestId:N}.{expires}"));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
