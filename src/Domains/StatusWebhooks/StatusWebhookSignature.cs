using System.Security.Cryptography;
using System.Text;

namespace Aventora.Domains.StatusWebhooks;

/// <summary>
/// How a status event is signed: <c>Aventora-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c> with the
/// domain's signing secret. A receiver recomputes it over the raw body and refuses a timestamp older than its replay window
/// (the README's example uses 5 minutes).
/// </summary>
public static class StatusWebhookSignature
{
    public const string Header = "Aventora-Signature";
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string secret, long timestamp, string body) => $"t={timestamp},v1={Mac(secret, timestamp, body)}";

    private static string Mac(string secret, long timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>The receiver's check: the signature matches and its timestamp is within <paramref name="window"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? header, string body, DateTimeOffset now, TimeSpan window)
    {
        if (header is null) return false;
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var timestamp) || !parts.TryGetValue("v1", out var given)) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > window.TotalSeconds) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(secret, timestamp, body)), Encoding.ASCII.GetBytes(given));
    }
}
