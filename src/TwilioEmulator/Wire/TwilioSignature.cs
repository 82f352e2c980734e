using System.Security.Cryptography;
using System.Text;

namespace Aventora.TwilioEmulator.Wire;

/// <summary>
/// Twilio's documented webhook signature (X-Twilio-Signature): Base64(HMAC-SHA1(authToken, url + every POST parameter's
/// name and value, sorted by name with ordinal comparison)). Public so production code and tests can check interoperability.
/// </summary>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        var data = new StringBuilder(url);
        // OrderBy is stable, so repeated parameters keep the order in which they were sent.
        foreach (var (name, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal))
            data.Append(name).Append(value);
        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
        return Convert.ToBase64String(hash);
    }

    public static bool Verify(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form, string? signature) =>
        signature is not null &&
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(authToken, url, form)), Encoding.ASCII.GetBytes(signature));
}
