using Aventora.TwilioEmulator.Listing;
using Aventora.TwilioEmulator.Rest;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Messages;

internal static class MessageEndpoints
{
    private const string Base = "/2010-04-01/Accounts/{accountSid}/Messages";

    public static void MapMessages(this IEndpointRouteBuilder app)
    {
        app.MapPost(Base + ".json", Create);
        app.MapGet(Base + ".json", List);
        app.MapGet(Base + "/{sid}.json", (string sid, HttpContext context, MessageStore store) =>
        {
            var exchange = context.Exchange();
            return store.Find(sid) is { } m && m.AccountSid == exchange.AccountSid
                ? Results.Json(MessageJson.Render(m))
                : TwilioError.NotFound(context.Request.Path);
        });
    }

    /// <summary>
    /// Twilio's list read: the account's own messages, newest first, filtered by To, From and date_sent. A message
    /// still queued has no date_sent and so matches no DateSent filter, as on Twilio.
    /// </summary>
    private static IResult List(HttpContext context, MessageStore store)
    {
        var exchange = context.Exchange();
        var sent = DateRange.Any;
        var error = ListPaging.Parse(exchange, out var paging) ?? DateFilter.Parse(exchange, "DateSent", out sent);
        if (error is not null)
        {
            exchange.ErrorCode = error.Code;
            return TwilioError.BadRequest(error.Code, error.Message);
        }

        var from = exchange.Value("From");
        bool Matches(MessageState m) =>
            m.AccountSid == exchange.AccountSid &&
            (from is null || PhoneNumber.SameNumber(from, m.From)) &&
            sent.Contains(m.DateSent);

        if (TwilioList.Read(store.Index, exchange.Value("To"), Matches, paging, out var page, out var hasNext) is { } tokenError)
        {
            exchange.ErrorCode = tokenError.Code;
            return TwilioError.BadRequest(tokenError.Code, tokenError.Message);
        }
        var filters = TwilioList.Filters(exchange, "To", "From", "DateSent", "DateSent<", "DateSent>");
        return Results.Json(TwilioList.Envelope("messages", context.Request.Path, filters, paging,
            page.Select(m => (m.Sid, MessageJson.Render(m))).ToList(), hasNext));
    }

    private static IResult Create(HttpContext context, MessageStore store, MessageDelivery delivery, TimeProvider clock)
    {
        var exchange = context.Exchange();
        if (MessageValidation.Validate(exchange) is { } error)
        {
            exchange.ErrorCode = error.Code;
            return TwilioError.BadRequest(error.Code, error.Message);
        }

        var now = clock.GetUtcNow();
        var message = new MessageState
        {
            Sid = Sids.NewMessage(),
            AccountSid = exchange.AccountSid,
            To = exchange.Value("To")!,
            From = exchange.Value("From"),
            Body = exchange.Value("Body"),
            ContentSid = exchange.Value("ContentSid"),
            ContentVariables = exchange.Value("ContentVariables"),
            MessagingServiceSid = exchange.Value("MessagingServiceSid"),
            MediaUrls = exchange.All("MediaUrl").Where(u => u.Length > 0).ToList(),
            StatusCallback = exchange.Value("StatusCallback"),
            DateCreated = now,
            AnswerFault = exchange.AnswerFault,
        };
        message.Move("queued", now);
        store.Add(message);
        exchange.CreatedSid = message.Sid;
        delivery.Start(message);
        return Results.Json(MessageJson.Render(message), statusCode: StatusCodes.Status201Created);
    }
}

internal sealed record ValidationError(int Code, string Message);

/// <summary>The checks Twilio makes before accepting a message, with Twilio's codes and wording.</summary>
internal static class MessageValidation
{
    public static ValidationError? Validate(RestExchange request)
    {
        var to = request.Value("To");
        var from = request.Value("From");
        if (to is null) return new(21604, "A 'To' phone number is required.");
        if (!PhoneNumber.IsValid(to)) return new(21211, $"The 'To' number {to} is not a valid phone number.");
        if (from is null && request.Value("MessagingServiceSid") is null)
            return new(21603, "A 'From' phone number is required.");
        if (request.Value("Body") is null && request.Value("ContentSid") is null && request.All("MediaUrl").Count == 0)
            return new(21602, "Message body is required.");
        if (from is not null && PhoneNumber.IsWhatsApp(to) != PhoneNumber.IsWhatsApp(from))
            return new(21910, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel");
        return null;
    }
}
