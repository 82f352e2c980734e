using System.Text.Json;
using System.Text.Json.Nodes;
using Aventora.Contracts.Domains;
using Aventora.Domains.Metadata;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Publishing;
using Aventora.Ingress.Api.Requests;
using Aventora.Persistence.Domains;

namespace Aventora.Ingress.Api.Admin;

public sealed record DomainBody(string? DomainName, JsonObject? TechnicalJson, bool? CreditsEnforced = null);
public sealed record ApiKeyBody(string? Label);

/// <summary>A domain as the admin endpoints show it: auth tokens masked.</summary>
public sealed record DomainView(string DomainName, Dictionary<string, string?> TechnicalJson, bool CreditsEnforced, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A new API key: the only answer that ever shows <c>api_key</c> itself.</summary>
public sealed record CreatedApiKey(Guid Id, string DomainName, string ApiKey, string KeyPrefix, string? Label);

/// <summary>
/// A deleted domain as <c>GET /admin/deleted-domains</c> lists it, newest first: its history (requests, balance) stays under
/// <c>domain_id</c>, apart from any later domain of the same name. <c>created_at</c> is null for a domain deleted before release 1.24
/// (its tombstone does not know).
/// </summary>
public sealed record DeletedDomainView(Guid DomainId, string DomainName, DateTime? CreatedAt, DateTime DeletedAt, long RequestCount, long Balance);

/// <summary>
/// Aventora's own domain administration (the embedded metadata source), for the admin key only. Auth tokens are write-only:
/// every answer shows them masked. Each change tells every process to drop its cached copy.
/// </summary>
public static class DomainAdminEndpoints
{
    public const int MaxLabelLength = 200;

    public static IEndpointRouteBuilder MapDomainAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/domains").RequireAuthorization(ApiKeyAuthentication.AdminOnly);
        admin.MapPost("/", CreateAsync).Produces<DomainView>(201).ProducesProblem(409);
        admin.MapGet("/", ListAsync).Produces<IReadOnlyList<DomainView>>();
        admin.MapGet("/{name}", GetAsync).Produces<DomainView>();
        admin.MapPut("/{name}", UpdateAsync).Produces<DomainView>().ProducesProblem(409);
        admin.MapDelete("/{name}", DeleteAsync).Produces(204);
        admin.MapPost("/{name}/api-keys", CreateKeyAsync).Produces<CreatedApiKey>(201);
        admin.MapGet("/{name}/api-keys", ListKeysAsync).Produces<IReadOnlyList<ApiKeyRow>>();
        admin.MapDelete("/{name}/api-keys/{id:guid}", RevokeKeyAsync).Produces(204);
        // A deleted domain's history (requests, balance) stays under its id; GET /requests/{id} serves its requests to the admin.
        app.MapGet("/admin/deleted-domains", ListDeletedAsync).RequireAuthorization(ApiKeyAuthentication.AdminOnly)
            .Produces<IReadOnlyList<DeletedDomainView>>();
        return app;
    }

    private static async Task<IResult> CreateAsync(
        DomainBody body, DomainRepository domains, ConfirmedPublisher publisher, IConfiguration configuration, CancellationToken ct)
    {
        var name = DomainNames.Normalize(body.DomainName);
        if (name is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["domain_name"] = [$"domain_name is required: {DomainNames.Rule}."],
            }, title: "The domain has invalid fields.");
        }
        var errors = new List<string>();
        var technical = TechnicalJson.Merge(new Dictionary<string, string?>(), body.TechnicalJson ?? [], errors);
        if (errors.Count > 0) return Invalid(errors);
        var json = JsonSerializer.Serialize(technical);
        if (EnvironmentSenderConflict(json, configuration) is { } environmentConflict) return environmentConflict;
        var (created, conflict) = await domains.TryCreateAsync(name!, json, ct);
        if (conflict is not null) return NumberTaken(conflict);
        if (!created) return Results.Problem(statusCode: 409, title: $"Domain '{name}' already exists.");
        if (body.CreditsEnforced is { } enforced) await domains.SetCreditsEnforcedAsync(name!, enforced, ct);
        await Announce(publisher, name!, ct);
        return Results.Created($"/admin/domains/{name}", View((await domains.FindAsync(name!, ct))!));
    }

    private static async Task<IResult> ListAsync(DomainRepository domains, CancellationToken ct) =>
        Results.Ok((await domains.ListAsync(ct)).Select(View));

    private static async Task<IResult> GetAsync(string name, DomainRepository domains, CancellationToken ct) =>
        await domains.FindAsync(name.ToLowerInvariant(), ct) is { } row ? Results.Ok(View(row)) : NotFound(name);

    private static async Task<IResult> UpdateAsync(
        string name, DomainBody body, DomainRepository domains, ConfirmedPublisher publisher, IConfiguration configuration, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (await domains.FindAsync(name, ct) is not { } row) return NotFound(name);
        var errors = new List<string>();
        var technical = TechnicalJson.Merge(Read(row), body.TechnicalJson ?? [], errors);
        if (errors.Count > 0) return Invalid(errors);
        var json = JsonSerializer.Serialize(technical);
        if (EnvironmentSenderConflict(json, configuration) is { } environmentConflict) return environmentConflict;
        var (updated, conflict) = await domains.UpdateAsync(name, json, ct);
        if (conflict is not null) return NumberTaken(conflict);
        if (!updated) return NotFound(name);
        if (body.CreditsEnforced is { } enforced) await domains.SetCreditsEnforcedAsync(name, enforced, ct);
        await Announce(publisher, name, ct);
        return Results.Ok(View((await domains.FindAsync(name, ct))!));
    }

    private static async Task<IResult> DeleteAsync(
        string name, DomainRepository domains, ConfirmedPublisher publisher, ApiKeyCache keys, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (!await domains.DeleteAsync(name, ct)) return NotFound(name);
        keys.Forget();
        await Announce(publisher, name, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ListDeletedAsync(DomainRepository domains, CancellationToken ct) =>
        Results.Ok((await domains.ListDeletedAsync(ct))
            .Select(d => new DeletedDomainView(d.Id, d.Name, d.CreatedAt, d.DeletedAt, d.RequestCount, d.Balance)).ToList());

    private static async Task<IResult> CreateKeyAsync(
        string name, ApiKeyBody? body, DomainRepository domains, ApiKeyRepository keys, ApiKeyCache cache, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (await domains.FindAsync(name, ct) is null) return NotFound(name);
        var label = body?.Label?.Trim();
        var problem = label is { Length: > MaxLabelLength } ? $"label is longer than {MaxLabelLength} characters."
            : TextRules.FindForbidden(label, allowLineBreaks: false) is { } where ? TextRules.Refusal("label", where, allowLineBreaks: false) : null;
        if (problem is not null)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["label"] = [problem] }, title: "The API key has invalid fields.");
        var key = ApiKeys.NewKey();
        var id = Guid.NewGuid();
        await keys.InsertAsync(id, name, ApiKeys.Hash(key), ApiKeys.Prefix(key), label, ct);
        cache.ForgetUnknown(); // belt and braces: nobody can have presented a key that did not exist
        // The only time the key is ever shown.
        return Results.Created($"/admin/domains/{name}/api-keys/{id}", new CreatedApiKey(id, name, key, ApiKeys.Prefix(key), label));
    }

    private static async Task<IResult> ListKeysAsync(string name, ApiKeyRepository keys, CancellationToken ct) =>
        Results.Ok(await keys.ListAsync(name.ToLowerInvariant(), ct));

    private static async Task<IResult> RevokeKeyAsync(
        string name, Guid id, ApiKeyRepository keys, ApiKeyCache cache, ConfirmedPublisher publisher, CancellationToken ct)
    {
        var revoked = await keys.RevokeAsync(name.ToLowerInvariant(), id, ct);
        cache.Forget();
        if (revoked) await Announce(publisher, name.ToLowerInvariant(), ct); // every other Ingress copy forgets the domain's keys
        return revoked ? Results.NoContent() : Results.Problem(statusCode: 404, title: $"Domain '{name}' has no active API key {id}.");
    }

    private static Task Announce(ConfirmedPublisher publisher, string name, CancellationToken ct) =>
        // If the broker is away the change still stands; cached copies then expire on their own within DomainMetadata:CacheFor.
        publisher.TryPublishAsync(new DomainChanged { DomainName = name, ChangedAt = DateTimeOffset.UtcNow }, ct);

    private static Dictionary<string, string?> Read(DomainRow row) => JsonSerializer.Deserialize<Dictionary<string, string?>>(row.TechnicalJson) ?? [];

    private static DomainView View(DomainRow row) =>
        new(row.Name, TechnicalJson.MaskSecrets(Read(row)), row.CreditsEnforced, row.CreatedAt, row.UpdatedAt);

    /// <summary>A sender number belongs to one domain: replies and STOPs to it can then only be about that domain.</summary>
    private static IResult NumberTaken(NumberConflict conflict) => Results.ValidationProblem(
        new Dictionary<string, string[]>
        {
            ["technical_json"] = [$"{conflict.Number} is already {conflict.Key} of domain '{conflict.DomainName}'; a sender number belongs to one domain. Give this domain a number of its own, or remove it there first."],
        },
        statusCode: 409, title: $"Sender number {conflict.Number} already belongs to domain '{conflict.DomainName}'.");

    /// <summary>The environment's numbers are the shared fallback of domains without their own; no domain may claim one as its own.</summary>
    private static IResult? EnvironmentSenderConflict(string technicalJson, IConfiguration configuration)
    {
        var numbers = DomainRepository.SenderNumbers(technicalJson);
        foreach (var variable in new[] { "TWILIO_SMS_NUMBER", "TWILIO_PHONE_NUMBER", "TWILIO_WHATSAPP_NUMBER" })
        {
            if (configuration[variable] is not { Length: > 0 } environment) continue;
            var number = Aventora.Domains.Credentials.TwilioAddress.StripWhatsApp(environment);
            if (!numbers.Contains(number)) continue;
            return Results.ValidationProblem(
                new Dictionary<string, string[]>
                {
                    ["technical_json"] = [$"{number} is the environment's fallback sender ({variable}), shared by every domain without a number of its own; give this domain a number of its own."],
                },
                statusCode: 409, title: $"Sender number {number} is the environment's fallback sender.");
        }
        return null;
    }

    private static IResult NotFound(string name) => Results.Problem(statusCode: 404, title: $"Domain '{name}' does not exist.");

    private static IResult Invalid(List<string> errors) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { ["technical_json"] = errors.ToArray() }, title: "The domain has invalid fields.");

}
