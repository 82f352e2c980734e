namespace Aventora.TwilioGateway;

/// <summary>
/// The Twilio SDK always builds https://api.twilio.com/... URLs; this sends them to the configured base URL instead
/// (the emulator, or any stand-in), keeping path and query as they are.
/// </summary>
public sealed class ApiBaseUrlHandler(Uri apiBaseUrl) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri)
        {
            var basePath = apiBaseUrl.AbsolutePath.TrimEnd('/');
            request.RequestUri = new UriBuilder(apiBaseUrl.Scheme, apiBaseUrl.Host, apiBaseUrl.Port, basePath + uri.AbsolutePath)
            {
                Query = uri.Query.TrimStart('?'),
            }.Uri;
        }
        return base.SendAsync(request, cancellationToken);
    }
}
