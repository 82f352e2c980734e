using System.Security.Cryptography;
using System.Text;
using Aventora.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Webhooks;

/// <summary>
/// Checks <c>X-Twilio-Signature</c>: Base64(HMAC-SHA1(auth token, public URL + every POST parameter's name and value,
/// sorted by name)). The URL is rebuilt from Ingress:PublicBaseUrl, so the check holds behind a proxy.
/// </summary>
public sealed class TwilioSignature(IOptions<IngressOptions> ingress)
{
    public const string Header = "X-Twilio-Signature";

    public bool IsValid(HttpRequest request, IFormCollection form, string authToken)
    {
        var given = request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(given)) return false;
        var url = ingress.Value.PublicBaseUrl.TrimEnd('/') + request.Path + request.QueryString;
        var expected = Compute(authToken, url, form.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? ""))));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
    }

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
            data.Append(key).Append(value);
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(authToken));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data.ToString())));
    }
}
