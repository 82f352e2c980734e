using System.Text.Json;
using Aventora.TwilioEmulator.Accounts;
using Aventora.TwilioEmulator.Failures;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Rest;

/// <summary>
/// Everything under /2010-04-01/Accounts/{AccountSid}/ passes here first: parse, authenticate, apply scripted
/// failures, run the endpoint, and record the exchange whatever its outcome (401s and injected failures included).
/// </summary>
internal sealed class RestGate(RequestDelegate next, AccountStore accounts, FailureStore failures, RequestLog log, TimeProvider clock)
{
    private const string Prefix = "/2010-04-01/Accounts/";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        var (accountSid, resource) = ParsePath(path[Prefix.Length..]);
        var exchange = new RestExchange(accountSid, resource, await ReadFormAsync(context.Request, context.RequestAborted));
        context.Features.Set(exchange);
        var received = clock.GetUtcNow();
        try
        {
            await HandleAsync(context, exchange);
        }
        finally
        {
            log.Add(id => new RecordedRequest(id, received, context.Request.Method, path, resource, accountSid,
                exchange.Form, context.Response.StatusCode, exchange.CreatedSid, exchange.ErrorCode));
        }
    }

    private async Task HandleAsync(HttpContext context, RestExchange exchange)
    {
        if (!accounts.Authenticates(context.Request.Headers.Authorization, exchange.AccountSid))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
            await WriteErrorAsync(context, exchange, 401, 20003, "Authenticate");
            return;
        }

        if (failures.Take(exchange.Resource, exchange.First("To")) is { } rule)
        {
            if (rule.DelayMs is > 0) await Task.Delay(rule.DelayMs.Value, context.RequestAborted);
            if (rule.Status is { } status and >= 400)
            {
                var code = rule.Code ?? status * 100;
                await WriteErrorAsync(context, exchange, status, code, rule.Message ?? DefaultMessage(code));
                return;
            }
        }

        await next(context);
    }

    private static async Task WriteErrorAsync(HttpContext context, RestExchange exchange, int status, int code, string message)
    {
        exchange.ErrorCode = code;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, TwilioError.Body(status, code, message),
            cancellationToken: context.RequestAborted);
    }

    private static string DefaultMessage(int code) => code switch
    {
        20429 => "Too Many Requests",
        20500 => "Internal Server Error",
        20503 => "Service Unavailable",
        21211 => "The 'To' number is not a valid phone number.",
        21610 => "Attempt to send to unsubscribed recipient",
        63016 => "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.",
        _ => "Emulated failure",
    };

    /// <summary>"{sid}/Messages.json" or "{sid}/Calls/CA....json" → (sid, "Messages"/"Calls").</summary>
    private static (string AccountSid, string? Resource) ParsePath(string rest)
    {
        var parts = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var accountSid = parts.Length > 0 ? StripJson(parts[0]) : "";
        var resource = parts.Length > 1 ? StripJson(parts[1]) : null;
        return (accountSid, resource);
    }

    private static string StripJson(string segment) =>
        segment.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? segment[..^5] : segment;

    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        // GET filters travel in the query string; creates in the form body. Both are "what the caller asked".
        foreach (var (name, value) in request.Query) values[name] = value.Select(v => v ?? "").ToList();
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            foreach (var (name, value) in form) values[name] = value.Select(v => v ?? "").ToList();
        }
        return values;
    }
}
