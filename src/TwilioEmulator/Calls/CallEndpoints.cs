using Aventora.TwilioEmulator.Listing;
using Aventora.TwilioEmulator.Messages;
using Aventora.TwilioEmulator.Rest;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Calls;

internal static class CallEndpoints
{
    private const string Base = "/2010-04-01/Accounts/{accountSid}/Calls";

    public static void MapCalls(this IEndpointRouteBuilder app)
    {
        app.MapPost(Base + ".json", Create);
        app.MapGet(Base + ".json", List);
        app.MapGet(Base + "/{sid}.json", (string sid, HttpContext context, CallStore store) =>
        {
            var exchange = context.Exchange();
            return store.Find(sid) is { } call && call.AccountSid == exchange.AccountSid
                ? Results.Json(CallJson.Render(call))
                : TwilioError.NotFound(context.Request.Path);
        });
        app.MapPost(Base + "/{sid}.json", Update);
        app.MapGet(Base + "/{sid}/Notifications.json", Notifications);
    }

    /// <summary>
    /// Twilio's live-call update: <c>Twiml</c> or <c>Url</c> (with <c>Method</c>) replaces what the call is doing, <c>Status</c>
    /// completed hangs it up (canceled ends one not yet answered). A call that has ended cannot be changed (21220).
    /// </summary>
    private static IResult Update(string sid, HttpContext context, CallStore store)
    {
        var exchange = context.Exchange();
        if (store.Find(sid) is not { } call || call.AccountSid != exchange.AccountSid) return TwilioError.NotFound(context.Request.Path);
        var (url, twiml, status) = (exchange.Value("Url"), exchange.Value("Twiml"), exchange.Value("Status"));
        var method = (exchange.Value("Method") ?? "POST").ToUpperInvariant();
        ValidationError? error =
            status is not null and not ("completed" or "canceled") ? new(20001, $"Invalid Status '{status}': use completed or canceled.")
            : url is not null && !CallValidation.IsAbsoluteHttp(url) ? new(21205, $"Url is not a valid URL: {url}")
            : method is not ("GET" or "POST") ? new(21209, "Method must be either GET or POST")
            : url is null && twiml is null && status is null ? new(20001, "Specify Url, Twiml or Status to update the call.")
            : call.Snapshot().IsFinal ? new(21220, "Call is not in-progress. Cannot redirect.")
            : null;
        if (error is not null)
        {
            exchange.ErrorCode = error.Code;
            return TwilioError.BadRequest(error.Code, error.Message);
        }
        call.Update(new CallUpdate(url, method, twiml, status));
        return Results.Json(CallJson.Render(call));
    }

    /// <summary>
    /// The call's Notifications: the errors Twilio's debugger logged for it (a TwiML fetch that failed, a document that did not
    /// parse), the one place the REST API tells that a completed call hit an application error. Log (0 error, 1 warning) and
    /// MessageDate filter; paging by Page and PageSize.
    /// </summary>
    private static IResult Notifications(string sid, HttpContext context, CallStore store)
    {
        var exchange = context.Exchange();
        if (store.Find(sid) is not { } call || call.AccountSid != exchange.AccountSid) return TwilioError.NotFound(context.Request.Path);
        var dated = DateRange.Any;
        var error = ListPaging.Parse(exchange, out var paging) ?? DateFilter.Parse(exchange, "MessageDate", out dated);
        if (error is not null)
        {
            exchange.ErrorCode = error.Code;
            return TwilioError.BadRequest(error.Code, error.Message);
        }
        var log = exchange.Value("Log");
        if (log is not null and not ("0" or "1"))
        {
            exchange.ErrorCode = 20001;
            return TwilioError.BadRequest(20001, $"Invalid Log '{log}': use 0 (errors) or 1 (warnings).");
        }
        var all = call.Notifications().Where(n => log is null or "0" && dated.Contains(n.At)).Reverse().ToList(); // errors only (log 0), newest first
        var page = all.Skip(paging.Page * paging.PageSize).Take(paging.PageSize).ToList();
        var hasNext = all.Count > (paging.Page + 1) * paging.PageSize;
        var filters = TwilioList.Filters(exchange, "Log", "MessageDate", "MessageDate<", "MessageDate>");
        return Results.Json(TwilioList.Envelope("notifications", context.Request.Path, filters, paging with { PageToken = null },
            page.Select(n => (n.Sid, CallJson.RenderNotification(call, n))).ToList(), hasNext));
    }

    /// <summary>Twilio's list read: the account's own calls, newest first, by To, From, Status, StartTime and EndTime.</summary>
    private static IResult List(HttpContext context, CallStore store)
    {
        var exchange = context.Exchange();
        DateRange started = DateRange.Any, ended = DateRange.Any;
        var error = ListPaging.Parse(exchange, out var paging)
                    ?? DateFilter.Parse(exchange, "StartTime", out started)
                    ?? DateFilter.Parse(exchange, "EndTime", out ended);
        if (error is not null)
        {
            exchange.ErrorCode = error.Code;
            return TwilioError.BadRequest(error.Code, error.Message);
        }

        var from = exchange.Value("From");
        var status = exchange.Value("Status");
        bool Matches(CallState c)
        {
            if (c.AccountSid != exchange.AccountSid || (from is not null && !PhoneNumber.SameNumber(from, c.From))) return false;
            var (current, startTime, endTime) = c.Times();
            return (status is null || string.Equals(status, current, StringComparison.OrdinalIgnoreCase)) &&
                   started.Contains(startTime) && ended.Contains(endTime);
        }

        if (TwilioList.Read(store.Index, exchange.Value("To"), Matches, paging, out var page, out var hasNext) is { } tokenError)
        {
            exchange.ErrorCode = tokenError.Code;
            return TwilioError.BadRequest(tokenError.Code, tokenError.Message);
        }
        var filters = TwilioList.Filters(exchange, "To", "From", "Status", "StartTime", "StartTime<", "StartTime>",
            "EndTime", "EndTime<", "EndTime>");
        return Results.Json(TwilioList.Envelope("calls", context.Request.Path, filters, paging,
            page.Select(c => (c.Sid, CallJson.Render(c))).ToList(), hasNext));
    }

    /// <summary>Twilio's error for a WhatsApp call to someone who has not granted the business call permission.</summary>
    public const int WhatsAppCallPermissionMissing = 37000;

    private static IResult Create(HttpContext context, CallStore store, CallProgress progress, TimeProvider clock, People.PeopleScripts people)
    {
        var exchange = context.Exchange();
        if (CallValidation.Validate(exchange) is { } error)
        {
            exchange.ErrorCode = error.Code;
            return TwilioError.BadRequest(error.Code, error.Message);
        }
        // WhatsApp lets a business call only people who granted it permission; Twilio refuses the create otherwise.
        var to = exchange.Value("To")!;
        if (to.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase) && !people.HasGrantedWhatsAppCalls(to))
        {
            exchange.ErrorCode = WhatsAppCallPermissionMissing;
            return TwilioError.BadRequest(WhatsAppCallPermissionMissing,
                $"The WhatsApp user {to} has not granted call permission to this business number; send a call permission request first.");
        }

        var now = clock.GetUtcNow();
        var call = new CallState
        {
            Sid = Sids.NewCall(),
            AccountSid = exchange.AccountSid,
            To = exchange.Value("To")!,
            From = exchange.Value("From")!,
            Url = exchange.Value("Url"),
            Method = (exchange.Value("Method") ?? "POST").ToUpperInvariant(),
            Twiml = exchange.Value("Twiml"),
            StatusCallback = exchange.Value("StatusCallback"),
            StatusCallbackMethod = (exchange.Value("StatusCallbackMethod") ?? "POST").ToUpperInvariant(),
            // The SDK repeats the parameter; hand-written requests sometimes space-separate the events.
            StatusCallbackEvents = exchange.All("StatusCallbackEvent")
                .SelectMany(e => e.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
                .Select(e => e.ToLowerInvariant()).Distinct().ToList(),
            DateCreated = now,
            AnswerFault = exchange.AnswerFault,
            MachineDetection = exchange.Value("MachineDetection"),
            AsyncAmd = exchange.Value("AsyncAmd") == "true",
            AsyncAmdStatusCallback = exchange.Value("AsyncAmdStatusCallback"),
            AsyncAmdStatusCallbackMethod = (exchange.Value("AsyncAmdStatusCallbackMethod") ?? "POST").ToUpperInvariant(),
        };
        call.Move("queued", now);
        store.Add(call);
        exchange.CreatedSid = call.Sid;
        progress.Start(call);
        return Results.Json(CallJson.Render(call), statusCode: StatusCodes.Status201Created);
    }
}

/// <summary>The checks Twilio makes before accepting a call, with Twilio's codes and wording.</summary>
internal static class CallValidation
{
    public static ValidationError? Validate(RestExchange request)
    {
        var to = request.Value("To");
        if (to is null) return new(21201, "No 'To' number is specified");
        if (!PhoneNumber.IsValid(to)) return new(21211, $"The 'To' number {to} is not a valid phone number.");
        if (request.Value("From") is null) return new(21213, "No 'From' number is specified");
        var url = request.Value("Url");
        if (url is null && request.Value("Twiml") is null && request.Value("ApplicationSid") is null)
            return new(21205, "Url parameter is required.");
        if (url is not null && !IsAbsoluteHttp(url)) return new(21205, $"Url is not a valid URL: {url}");
        if (AnsweringMachineDetection.Validate(request) is { } detection) return detection;
        if (request.Value("StatusCallback") is { } callback && !IsAbsoluteHttp(callback))
            return new(21609, $"StatusCallback is not a valid URL: {callback}");
        foreach (var name in new[] { "Method", "StatusCallbackMethod" })
            if (request.Value(name) is { } method && method.ToUpperInvariant() is not ("GET" or "POST"))
                return new(21209, $"{name} must be either GET or POST");
        return null;
    }

    public static bool IsAbsoluteHttp(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
