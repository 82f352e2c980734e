using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Aventora.Contracts;
using Aventora.Ingress.Api.Auth;
using Aventora.Persistence.CallLogs;
using Microsoft.AspNetCore.WebUtilities;

namespace Aventora.Ingress.Api.Requests;

/// <summary>One page of <c>GET /requests</c>, newest first; <c>next</c> is the cursor of the page after it, null on the last page.</summary>
public sealed record RequestLogPage(IReadOnlyList<RequestLogItem> Items, string? Next);

/// <summary>One request in the log; <c>GET /requests/{id}</c> has the rest (Twilio's status, the transcript, the status history).</summary>
/// <param name="Source">api, batch, email or inbound.</param>
public sealed record RequestLogItem(
    Guid RequestId, string? DomainName, string Channel, string PhoneNumber, string Type, string Source, string Status, Guid? BatchId,
    int? LineNumber, string? ErrorCode, string? ErrorMessage, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// One status of the lifecycle, as <c>GET /statuses</c> lists them: <c>final</c> when nothing may follow it, and the channels for
/// which a request at it is settled (<c>settled_for</c>: every channel when final; sms and wmsg at delivered and read).
/// </summary>
public sealed record RequestStatusInfo(string Status, bool Final, IReadOnlyList<string> SettledFor);

/// <summary>The answer of <c>GET /statuses</c>: every status a request can show, in lifecycle order.</summary>
public sealed record RequestStatusVocabulary(IReadOnlyList<RequestStatusInfo> Statuses)
{
    public static RequestStatusVocabulary FromLifecycle { get; } = new(CallLogLifecycle.AllStatuses
        .Select(s => new RequestStatusInfo(s, CallLogLifecycle.IsFinal(s), Channels.ValidChannels.Where(c => CallLogLifecycle.IsSettled(c, s)).ToArray()))
        .ToArray());
}

/// <summary>The answer of <c>GET /me</c>: the admin key (<c>is_admin</c>, no <c>domain_name</c>), or the domain a key belongs to.</summary>
public sealed record MeView(bool IsAdmin, string? DomainName);

/// <summary>
/// <c>GET /requests</c>: the request log, newest first, filtered by domain_name, channel, status, source and created_at
/// (<c>from</c>, <c>to</c>), paged by keyset: each page names the <c>next</c> cursor to pass as <c>after</c>. A domain's key sees its
/// own domain only. <c>GET /me</c>: whom the key belongs to, so a client (the admin console) can tell an admin from a domain.
/// </summary>
public static partial class RequestLogEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    /// <summary>The sources a request can have; <c>batch</c> is another word for <c>csv</c> (an uploaded or dropped file).</summary>
    public static readonly string[] Sources = [RequestSources.Api, RequestSources.Csv, RequestSources.Email, "inbound"];

    public static IEndpointRouteBuilder MapRequestLogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/requests", ListAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).Produces<RequestLogPage>();
        app.MapGet("/me", (HttpContext http) =>
        {
            var caller = Caller.From(http.User);
            return TypedResults.Ok(new MeView(caller.IsAdmin, caller.DomainName));
        }).RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        // The lifecycle's vocabulary, so no client keeps a copy of it that can drift.
        app.MapGet("/statuses", () => TypedResults.Ok(RequestStatusVocabulary.FromLifecycle)).RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext http, RequestLogRepository log, CancellationToken ct)
    {
        var query = http.Request.Query;
        string? Field(string name) => string.IsNullOrWhiteSpace(query[name]) ? null : query[name].ToString().Trim();
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors.TryAdd(field, [message]);

        var caller = Caller.From(http.User);
        var domain = Field("domain_name")?.ToLowerInvariant();
        if (domain is not null && !caller.MayActFor(domain))
            return Results.Problem(statusCode: 403, title: $"This API key may not act for domain '{domain}'.");
        domain ??= caller.IsAdmin ? null : caller.DomainName;

        var channel = Field("channel")?.ToLowerInvariant();
        if (channel is not null && !Channels.ValidChannels.Contains(channel))
            Add("channel", $"channel '{channel}' is not valid: use one of {string.Join(", ", Channels.ValidChannels)}.");
        var status = Field("status")?.ToLowerInvariant();
        if (status is not null && !CallLogLifecycle.AllStatuses.Contains(status))
            Add("status", $"status '{(StatusPattern().IsMatch(status) ? status : "(not a status)")}' is not one a request can have: use one of {string.Join(", ", CallLogLifecycle.AllStatuses)} (GET /statuses lists them).");
        var source = Field("source")?.ToLowerInvariant();
        if (source == "batch") source = RequestSources.Csv;
        if (source is not null && !Sources.Contains(source))
            Add("source", $"source '{source}' is not valid: use one of api, batch, email, inbound.");
        var from = Date("from", Field("from"), Add);
        var to = Date("to", Field("to"), Add);
        if (from is not null && to is not null && to <= from) Add("to", "to must be later than from.");
        var limit = DefaultLimit;
        if (Field("limit") is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        (DateTimeOffset, Guid)? after = null;
        if (Field("after") is { } cursor)
        {
            after = Cursor.TryRead(cursor);
            if (after is null) Add("after", "after must be the next cursor of an earlier page, as it was given.");
        }
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The request log query has invalid fields.");

        var rows = await log.ListAsync(new RequestLogFilter
        {
            DomainName = domain, Channel = channel, Status = status, Source = source, From = from, To = to, After = after, Limit = limit + 1,
        }, ct);
        var page = rows.Take(limit).ToList();
        return Results.Ok(new RequestLogPage(
            page.Select(r => new RequestLogItem(
                r.Id, r.DomainName, r.Channel, r.PhoneNumber, r.Type, r.Source == RequestSources.Csv ? "batch" : r.Source, r.Status, r.BatchId,
                r.LineNumber, r.ErrorCode, r.ErrorMessage, r.CreatedAt, r.UpdatedAt)).ToList(),
            rows.Count > limit ? Cursor.Write(page[^1].CreatedAt, page[^1].Id) : null));
    }

    private static DateTimeOffset? Date(string field, string? text, Action<string, string> add)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        add(field, $"{field} must be a date or an ISO 8601 time, such as 2026-05-01 or 2026-05-01T08:00:00Z.");
        return null;
    }

    /// <summary>The keyset of a page's last row, opaque to clients: base64url of "ticks:id".</summary>
    private static class Cursor
    {
        public static string Write(DateTimeOffset createdAt, Guid id) =>
            WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{createdAt.UtcTicks}:{id:N}"));

        public static (DateTimeOffset, Guid)? TryRead(string cursor)
        {
            try
            {
                var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor)).Split(':');
                return parts.Length == 2 && long.TryParse(parts[0], out var ticks) && ticks > 0 && ticks < DateTimeOffset.MaxValue.UtcTicks
                       && Guid.TryParseExact(parts[1], "N", out var id)
                    ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
                    : null;
            }
            catch (FormatException) { return null; }
        }
    }

    [GeneratedRegex("^[a-z_-]{1,40}$")] private static partial Regex StatusPattern();
}
