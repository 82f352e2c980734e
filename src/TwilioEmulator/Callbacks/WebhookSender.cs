using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Callbacks;

/// <summary>The application's answer to a webhook. Status 0 means it could not be reached.</summary>
internal sealed record WebhookResponse(int Status, string Body)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>
/// Sends webhooks the way Twilio does: form-encoded POST (or GET with the parameters in the query string),
/// signed with X-Twilio-Signature computed from the account's auth token. Exactly once: Twilio does not retry a
/// status callback that failed or answered 5xx, and neither does the emulator, so an application must not count on it.
/// <para>
/// Many jobs send at once (a load test creates 1,000+ messages a second, each with several callbacks), through one
/// pooled HttpClient, at most Emulator:MaxConcurrentWebhooks (default 64) in flight: the rest wait their turn
/// rather than opening thousands of connections to the application.
/// </para>
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    public const int DefaultMaxConcurrent = 64;

    private readonly RequestLog _log;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookSender> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly HttpClient _http;

    public WebhookSender(RequestLog log, TimeProvider clock, ILogger<WebhookSender> logger, IConfiguration configuration)
    {
        (_log, _clock, _logger) = (log, clock, logger);
        var maxConcurrent = Math.Max(1, configuration.GetValue("Emulator:MaxConcurrentWebhooks", DefaultMaxConcurrent));
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConcurrent,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    public async Task<WebhookResponse> SendAsync(
        string kind, string url, string method, string authToken,
        IReadOnlyList<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        var isGet = string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase);
        using var request = isGet ? BuildGet(url, form, authToken) : BuildPost(url, form, authToken);
        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");

        WebhookResponse response;
        await _slots.WaitAsync(ct);
        try
        {
            using var answer = await _http.SendAsync(request, ct);
            response = new WebhookResponse((int)answer.StatusCode, await answer.Content.ReadAsStringAsync(ct));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Twilio would report 11200 (HTTP retrieval failure); the caller decides what that means. Debug, not
            // Information: with the application down under load this would be thousands of lines a second, and
            // GET /_emulator/webhooks and /_emulator/stats already show every failure (status 0).
            _logger.LogDebug("{Kind} webhook to {Url} failed: {Error}", kind, url, e.Message);
            response = new WebhookResponse(0, e.Message);
        }
        finally
        {
            _slots.Release();
        }

        _log.AddWebhook(new SentWebhook(_clock.GetUtcNow(), kind, isGet ? "GET" : "POST", url,
            form.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value), response.Status));
        return response;
    }

    private static HttpRequestMessage BuildPost(string url, IReadOnlyList<KeyValuePair<string, string>> form, string authToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.TryAddWithoutValidation(TwilioSignature.HeaderName, TwilioSignature.Compute(authToken, url, form));
        return request;
    }

    /// <summary>For GET Twilio signs the full URL (query included) with no body parameters.</summary>
    private static HttpRequestMessage BuildGet(string url, IReadOnlyList<KeyValuePair<string, string>> form, string authToken)
    {
        var query = string.Join("&", form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var fullUrl = query.Length == 0 ? url : url + (url.Contains('?') ? "&" : "?") + query;
        var request = new HttpRequestMessage(HttpMethod.Get, fullUrl);
        request.Headers.TryAddWithoutValidation(TwilioSignature.HeaderName, TwilioSignature.Compute(authToken, fullUrl, []));
        return request;
    }

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}
