using System.Text.Json;
using Aventora.TwilioEmulator.Accounts;
using Aventora.TwilioEmulator.Failures;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Rest;

/// <summary>
/// Everything under /2010-04-01/Accounts/{AccountSid}/ passes here first: parse, authenticate, apply scripted
/// failures (refusing before the endpoint runs, or letting it create and then failing the answer), run the
/// endpoint, and record the exchange whatever its outcome (401s and injected failures included).
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

        var (accountSid, resource, isCollection) = ParsePath(path[Prefix.Length..]);
        var exchange = new RestExchange(accountSid, resource, await ReadFormAsync(context.Request, context.RequestAborted))
        {
            IsCreate = isCollection && HttpMethods.IsPost(context.Request.Method),
        };
        context.Features.Set(exchange);
        var received = clock.GetUtcNow();
        var recorded = 0;
        void Record()
        {
            if (Interlocked.Exchange(ref recorded, 1) == 1) return;
            var unanswered = exchange.AnswerFault is "timeout" or "drop" && exchange.CreatedSid is not null;
            log.Add(id => new RecordedRequest(id, received, context.Request.Method, path, resource, accountSid,
                exchange.Form, unanswered ? 0 : context.Response.StatusCode, exchange.CreatedSid, exchange.ErrorCode,
                exchange.CreatedSid is not null ? exchange.AnswerFault : null));
        }
        // Recorded as the answer starts, so whoever has Twilio's answer (or a callback that followed it) finds the request
        // recorded; an answer that never starts (a dropped or timed-out create) is recorded when the exchange ends.
        context.Response.OnStarting(() =>
        {
            Record();
            return Task.CompletedTask;
        });
        try
        {
            await HandleAsync(context, exchange);
        }
        finally
        {
            Record();
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

        if (failures.Take(context.Request.Method, exchange.Resource, exchange.IsCreate, exchange.First("To")) is { } rule)
        {
            if (rule.AfterCreate is { } fault)
            {
                await CreateThenFailAsync(context, exchange, rule, fault);
                return;
            }
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

    /// <summary>
    /// The endpoint creates for real (the resource is stored, delivered, reported by callbacks), its answer is kept
    /// back, and the client gets the fault instead: what a lost response looks like to an application.
    /// </summary>
    private async Task CreateThenFailAsync(HttpContext context, RestExchange exchange, FailureRule rule, string fault)
    {
        exchange.AnswerFault = fault;
        var realBody = context.Response.Body;
        using var heldBack = new MemoryStream();
        context.Response.Body = heldBack;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = realBody;
        }

        if (exchange.CreatedSid is null)
        {
            // Nothing was created (the request was invalid): the real answer goes out, there is nothing to fault.
            heldBack.Position = 0;
            await heldBack.CopyToAsync(realBody, context.RequestAborted);
            return;
        }

        var ct = context.RequestAborted;
        var hold = fault == "timeout" ? rule.DelayMs ?? FailureRule.DefaultTimeoutHoldMs : rule.DelayMs ?? 0;
        try
        {
            if (hold > 0) await Task.Delay(hold, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client gave up waiting, which is what a timeout is for.
        }

        if (fault == "500" && !ct.IsCancellationRequested)
        {
            context.Response.Clear();
            await WriteErrorAsync(context, exchange, 500, rule.Code ?? 20500, rule.Message ?? DefaultMessage(rule.Code ?? 20500));
            return;
        }
        context.Abort();
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

    /// <summary>"{sid}/Messages.json" or "{sid}/Calls/CA....json" → (sid, "Messages"/"Calls", whether it is the collection itself).</summary>
    private static (string AccountSid, string? Resource, bool IsCollection) ParsePath(string rest)
    {
        var parts = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var accountSid = parts.Length > 0 ? StripJson(parts[0]) : "";
        var resource = parts.Length > 1 ? StripJson(parts[1]) : null;
        return (accountSid, resource, parts.Length == 2);
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
