using Aventora.Billing.Credits;
using Aventora.Domains.Metadata;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Ingress.Api.Requests;
using Microsoft.AspNetCore.Mvc;

namespace Aventora.Ingress.Api.Billing;

public sealed record CreditGrantBody(int? Credits, string? Reason);

/// <summary>
/// The 201 of a grant: the ledger entry it made (or, for a retry with the same <c>Idempotency-Key</c>, the one it made before), and
/// the domain's balance after it.
/// </summary>
public sealed record CreditGrantView(Guid EntryId, string DomainName, int Credits, string Reason, long Balance, long Available);

/// <summary>
/// A domain's credits: <c>balance</c> is the ledger's sum, <c>reserved</c> what requests on their way hold, <c>available</c> what
/// new requests may still reserve. With <c>credits_enforced</c> false, requests go out whatever the balance.
/// </summary>
public sealed record CreditBalanceView(string DomainName, long Balance, long Reserved, long Available, bool CreditsEnforced);

/// <summary>One page of a domain's ledger, newest first; <c>total</c> counts the entries of every page.</summary>
public sealed record CreditLedgerView(string DomainName, int Page, int PageSize, long Total, IReadOnlyList<CreditLedgerEntryView> Entries);

/// <summary>
/// One ledger entry, by <c>kind</c>: a <c>grant</c> (positive <c>credits</c>, with its <c>reason</c>), or the usage of a <c>message</c>
/// or <c>call</c> (zero or negative, with the request, channel, type and Twilio sid it was for). <c>occurred_at</c> is when it
/// happened, <c>recorded_at</c> when the ledger learned of it.
/// </summary>
public sealed record CreditLedgerEntryView(
    Guid EntryId, string Kind, int Credits, Guid? RequestId, string? Channel, string? Type, string? TwilioSid, string? Reason,
    DateTime OccurredAt, DateTime RecordedAt);

/// <summary>
/// Credits: the admin grants them and reads any domain's balance and ledger (<c>/admin/domains/{name}/...</c>); a domain's own
/// API key reads its own (<c>/domains/{name}/balance</c>, <c>/domains/{name}/ledger</c>). A grant with an
/// <c>Idempotency-Key</c> is applied once: its ledger entry's id derives from the key, so a retry grants nothing again.
/// </summary>
public static class CreditEndpoints
{
    public const int MaxGrant = 100_000_000;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapCreditEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/domains/{name}").RequireAuthorization(ApiKeyAuthentication.AdminOnly);
        admin.MapPost("/credits", GrantAsync).AcceptsIdempotencyKey().Produces<CreditGrantView>(201);
        admin.MapGet("/balance", BalanceAsync).Produces<CreditBalanceView>();
        admin.MapGet("/ledger", LedgerAsync).Produces<CreditLedgerView>();

        var own = app.MapGroup("/domains/{name}").RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        own.MapGet("/balance", BalanceAsync).Produces<CreditBalanceView>();
        own.MapGet("/ledger", LedgerAsync).Produces<CreditLedgerView>();
        return app;
    }

    private static async Task<IResult> GrantAsync(
        string name, CreditGrantBody? body, HttpContext http, DomainMetadataCache domains, CreditRepository credits, ILogger<CreditGrantBody> logger,
        CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        var errors = new Dictionary<string, string[]>();
        if (body?.Credits is not (> 0 and <= MaxGrant)) errors["credits"] = [$"credits is required: a whole number from 1 to {MaxGrant}."];
        var reason = body?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 500) errors["reason"] = ["reason is required: why the credits are granted (at most 500 characters)."];
        else if (TextRules.FindForbidden(reason, allowLineBreaks: false) is { } where) errors["reason"] = [TextRules.Refusal("reason", where, allowLineBreaks: false)];
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The grant has invalid fields.");
        if (await domains.GetDomainMetadataAsync(name, ct) is null) return NotFound(name);

        var entryId = http.Features.Get<IdempotentRequest>() is { IsClaimed: true } idempotent ? idempotent.DeriveId("credit-grant") : Guid.NewGuid();
        if (await credits.GrantOnceAsync(entryId, name, body!.Credits!.Value, reason!, ct))
            logger.LogInformation("Granted {Credits} credits to domain {DomainName} (entry {EntryId})", body.Credits, name, entryId);
        else
            logger.LogInformation("Grant {EntryId} to domain {DomainName} was already in the ledger: a retry, nothing granted again", entryId, name);
        var balance = await credits.GetBalanceAsync(name, ct);
        return Results.Created($"/admin/domains/{name}/ledger",
            new CreditGrantView(entryId, name, body.Credits.Value, reason!, balance.Balance, balance.Available));
    }

    private static async Task<IResult> BalanceAsync(
        string name, HttpContext http, DomainMetadataCache domains, CreditRepository credits, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (await Refuse(name, http, domains, ct) is { } refused) return refused;
        var balance = await credits.GetBalanceAsync(name, ct);
        return Results.Ok(new CreditBalanceView(name, balance.Balance, balance.Reserved, balance.Available, balance.CreditsEnforced));
    }

    private static async Task<IResult> LedgerAsync(
        string name, int? page, [FromQuery(Name = "page_size")] int? pageSize, HttpContext http, DomainMetadataCache domains, CreditRepository credits, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        var errors = new Dictionary<string, string[]>();
        if (page is < 1) errors["page"] = ["page counts from 1."];
        if (pageSize is < 1 or > MaxPageSize) errors["page_size"] = [$"page_size must be from 1 to {MaxPageSize}."];
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The ledger query has invalid parameters.");
        if (await Refuse(name, http, domains, ct) is { } refused) return refused;

        var (number, size) = (page ?? 1, pageSize ?? 50);
        var ledger = await credits.GetLedgerAsync(name, number, size, ct);
        return Results.Ok(new CreditLedgerView(name, number, size, ledger.Total, ledger.Entries.Select(e => new CreditLedgerEntryView(
            e.EntryId, e.Kind, e.Credits, e.RequestId, e.Channel, e.Type, e.TwilioSid, e.Reason, e.OccurredAt, e.RecordedAt)).ToList()));
    }

    private static async Task<IResult?> Refuse(string name, HttpContext http, DomainMetadataCache domains, CancellationToken ct)
    {
        if (!Caller.From(http.User).MayActFor(name))
            return Results.Problem(statusCode: 403, title: $"This API key may not act for domain '{name}'.");
        return await domains.GetDomainMetadataAsync(name, ct) is null ? NotFound(name) : null;
    }

    private static IResult NotFound(string name) => Results.Problem(statusCode: 404, title: $"Domain '{name}' does not exist.");
}
