using Microsoft.AspNetCore.Http.Features;

namespace Aventora.Ingress.Api.Problems;

/// <summary>
/// Limits every request meets before an endpoint reads it. JSON and form bodies are small (the largest field is a 10 KB
/// content_variables), so a body over <see cref="MaxBodyBytes"/> is refused with 413 at once; CSV uploads (<c>/batches</c>) have
/// their own limit, Batches:MaxFileBytes. Twilio's webhooks are form posts: anything else gets 415 before the endpoint reads it.
/// </summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 256 * 1024;

    private static readonly string[] TwilioWebhookPrefixes = ["/twilio", "/sms/webhook", "/whatsapp/webhook", "/voice/twiml"];

    /// <summary>Whether <paramref name="path"/> is one of the URLs Twilio posts to (status callbacks, inbound messages, TwiML).</summary>
    public static bool IsTwilioWebhook(PathString path) => TwilioWebhookPrefixes.Any(p => path.StartsWithSegments(p));

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var request = http.Request;
        if (!request.Path.StartsWithSegments("/batches"))
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = MaxBodyBytes;
            if (request.ContentLength > MaxBodyBytes)
            {
                await Refuse(http, 413, "body_too_large", $"The body is larger than {MaxBodyBytes / 1024} KB, the most this endpoint takes.");
                return;
            }
        }
        if (HttpMethods.IsPost(request.Method) && IsTwilioWebhook(request.Path) && !request.HasFormContentType)
        {
            await Refuse(http, 415, "unsupported_media_type", "Twilio's webhooks are form posts (application/x-www-form-urlencoded).");
            return;
        }
        await next(http);
    });

    /// <summary>
    /// Answers the framework gives without a body (no route for a malformed id, a JSON endpoint sent another content type,
    /// a method not allowed) become problem details too, so every refusal reads the same way.
    /// </summary>
    public static IApplicationBuilder UseProblemDetailsForEmptyAnswers(this IApplicationBuilder app) => app.UseStatusCodePages(async pages =>
    {
        var http = pages.HttpContext;
        var (code, title) = http.Response.StatusCode switch
        {
            401 => ("unauthorized", "An API key is required: send it in the X-Api-Key header."),
            403 => ("forbidden", "This API key may not do this."),
            404 => ("not_found", $"Nothing is at {http.Request.Method} {http.Request.Path}: check the path and that ids are UUIDs."),
            405 => ("method_not_allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}."),
            413 => ("body_too_large", $"The body is larger than {MaxBodyBytes / 1024} KB, the most this endpoint takes."),
            415 => ("unsupported_media_type", $"Send the body as application/json, not '{http.Request.ContentType}'."),
            var other => ("bad_request", $"The request was refused ({other})."),
        };
        await Refuse(http, http.Response.StatusCode, code, title);
    });

    private static Task Refuse(HttpContext http, int status, string code, string title) =>
        Results.Problem(statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code }).ExecuteAsync(http);
}
