using System.Text;
using System.Text.Json;
using Aventora.Persistence.Idempotency;

namespace Aventora.Ingress.Api.Idempotency;

/// <summary>What a request gets instead of having its work done: a replay, or why its key cannot be used now.</summary>
public static class IdempotencyAnswers
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    public static IResult InvalidKey() => Problem(400, "idempotency_key_invalid",
        $"The Idempotency-Key header must be one value of 1 to {MaxKeyLength} characters; send a new unique key (a UUID will do) per request.");

    public static IResult KeyReused(string key, IdempotencyKeyRow first) => Problem(422, "idempotency_key_reused",
        $"Idempotency-Key '{key}' was already used at {first.CreatedAt:yyyy-MM-ddTHH:mm:ssZ} for a different request ({first.RequestMethod} " +
        $"{first.RequestPath} with other parameters or another body). A retry must send the same request; a new request needs a new key.");

    public static IResult InProgress(string key) => new RetryLater(Problem(409, "idempotency_key_in_progress",
        $"The first request with Idempotency-Key '{key}' is still being handled; try again in a moment to get its answer."));

    private static IResult Problem(int status, string code, string title) =>
        Results.Problem(statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });

    private sealed class RetryLater(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            return inner.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>The first use's answer again, as it was (status, body, content type and location), marked as a replay.</summary>
public sealed class ReplayedAnswer(IdempotencyKeyRow stored) : IResult
{
    /// <summary>The response headers a replay repeats; the others belong to the moment they were sent.</summary>
    public static readonly string[] KeptHeaders = ["Content-Type", "Location"];

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = stored.ResponseStatus!.Value;
        if (stored.ResponseHeaders is { } json)
        {
            foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [])
                if (KeptHeaders.Contains(name, StringComparer.OrdinalIgnoreCase)) response.Headers[name] = value;
        }
        response.Headers[IdempotencyAnswers.ReplayedHeader] = "true";
        var body = Encoding.UTF8.GetBytes(stored.ResponseBody ?? "");
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
