using Aventora.Billing.Credits;
using Aventora.Domains.Metadata;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Ingress.Api.Requests;
using Microsoft.AspNetCore.Mvc;

namespace Aventora.Ingress.Api.Billing;

public sealed record CreditGrantBody(int? Credits, string? Reason);

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
        admin.MapPost("/credits", GrantAsync).AcceptsIdempotencyKey();
        admin.MapGet("/balance", BalanceAsync);
        admin.MapGet("/ledger", LedgerAsync);

        var own = app.MapGroup("/domains/{name}").RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        own.MapGet("/balance", BalanceAsync);
        own.MapGet("/ledger", LedgerAsync);
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
        return Results.Created($"/admin/domains/{name}/ledger", new
        {
            entry_id = entryId, domain_name = name, credits = body.Credits, reason, balance = balance.Balance, available = balance.Available,
        });
    }

    private static async Task<IResult> BalanceAsync(
        string name, HttpContext http, DomainMetadataCache domains, CreditRepository credits, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (await Refuse(name, http, domains, ct) is { } refused) return refused;
        var balance = await credits.GetBalanceAsync(name, ct);
        return Results.Ok(new
        {
            domain_name = name, balance = balance.Balance, reserved = balance.Reserved, available = balance.Available,
            credits_enforced = balance.CreditsEnforced,
        });
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
        return Results.Ok(new
        {
            domain_name = name, page = number, page_size = size, total = ledger.Total,
            entries = ledger.Entries.Select(e => new
            {
                entry_id = e.EntryId, kind = e.Kind, credits = e.Credits, request_id = e.RequestId, channel = e.Channel, type = e.Type,
                twilio_sid = e.TwilioSid, reason = e.Reason, occurred_at = e.OccurredAt, recorded_at = e.RecordedAt,
            }),
        });
    }

    private static async Task<IResult?> Refuse(string name, HttpContext http, DomainMetadataCache domains, CancellationToken ct)
    {
        if (!Caller.From(http.User).MayActFor(name))
            return Results.Problem(statusCode: 403, title: $"This API key may not act for domain '{name}'.");
        return await domains.GetDomainMetadataAsync(name, ct) is null ? NotFound(name) : null;
    }

    private static IResult NotFound(string name) => Results.Problem(statusCode: 404, title: $"Domain '{name}' does not exist.");
}
