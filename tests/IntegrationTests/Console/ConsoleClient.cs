using System.Net;
using System.Text.RegularExpressions;

namespace Aventora.IntegrationTests.Console;

/// <summary>
/// The console over plain HTTP, as a browser would talk to it but with every cookie and redirect in the test's hands: cookies are
/// kept by name whatever their Secure flag (so a session behind a pretend TLS proxy works over loopback http), and nothing is followed.
/// </summary>
public sealed partial class ConsoleClient(ConsoleHost console) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(console.Url()) };

    public Dictionary<string, string> Cookies { get; } = [];

    /// <summary>Headers every request carries, e.g. what a TLS-terminating proxy adds.</summary>
    public Dictionary<string, string> Headers { get; } = [];

    public List<string> SetCookies { get; } = [];

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in Headers)
        {
            if (name == "Host") request.Headers.Host = value;
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        if (Cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        var response = await _http.SendAsync(request);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            SetCookies.Add(header);
            var pair = header.Split(';')[0].Split('=', 2);
            if (header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) || pair[1].Length == 0) Cookies.Remove(pair[0]);
            else Cookies[pair[0]] = pair[1];
        }
        return response;
    }

    /// <summary>The antiforgery token of a console page's form (its cookie is kept).</summary>
    public async Task<string> FormTokenAsync(string path = "/signin")
    {
        var html = await (await SendAsync(HttpMethod.Get, path)).Content.ReadAsStringAsync();
        return TokenPattern().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"{path} has no antiforgery token");
    }

    public async Task<HttpResponseMessage> SignInAsync(string apiKey, string? returnUrl = null)
    {
        var fields = new Dictionary<string, string> { ["__RequestVerificationToken"] = await FormTokenAsync(), ["api_key"] = apiKey };
        if (returnUrl is not null) fields["return_url"] = returnUrl;
        return await SendAsync(HttpMethod.Post, "/account/signin", new FormUrlEncodedContent(fields));
    }

    /// <summary>Whether a signed-in screen opens (200) rather than sending to the sign-in page.</summary>
    public async Task<bool> IsSignedInAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/send");
        return response.StatusCode == HttpStatusCode.OK;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*? value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public void Dispose() => _http.Dispose();
}
