using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aventora.Ingress.Api.Auth;
using Aventora.Persistence.Domains;
using Aventora.Persistence.Idempotency;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Idempotency;

/// <summary>How an endpoint that accepts <c>Idempotency-Key</c> has its request hashed.</summary>
public enum IdempotencyHashing
{
    /// <summary>The middleware hashes the query and the body and claims the key before the endpoint runs.</summary>
    Body,
    /// <summary>The endpoint claims the key itself once it knows what it was sent (<see cref="IdempotentRequest.ClaimAsync"/>).</summary>
    ByEndpoint,
}

/// <summary>Marks an endpoint as taking <c>Idempotency-Key</c>.</summary>
public sealed record AcceptsIdempotencyKey(IdempotencyHashing Hashing);

/// <summary>
/// For endpoints marked <see cref="AcceptsIdempotencyKey"/> and requests that carry the header: scopes the key to the caller
/// (<see cref="IdempotencyScopes"/>: two callers' keys, or the admin's keys for two tenants of one name, never meet), claims it, runs the endpoint with its answer
/// held in memory, then stores a definitive answer (2xx, and 4xx but those that say "try again": 408, 409, 425, 429) for
/// replay, or gives the key back so a retry can succeed (5xx such as the broker's 503, a client gone away, an exception).
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, ILogger<IdempotencyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http, IdempotencyKeyRepository keys, DomainRepository domains, IOptions<IdempotencyOptions> options)
    {
        var accepts = http.GetEndpoint()?.Metadata.GetMetadata<AcceptsIdempotencyKey>();
        if (accepts is null || !http.Request.Headers.TryGetValue(IdempotencyAnswers.Header, out var values)
            || Caller.From(http.User) is not { } caller || (!caller.IsAdmin && caller.DomainName is null))
        {
            await next(http);
            return;
        }
        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrWhiteSpace(key) || key.Length > IdempotencyAnswers.MaxKeyLength)
        {
            await IdempotencyAnswers.InvalidKey().ExecuteAsync(http);
            return;
        }

        var lifetimes = new IdempotencyKeyLifetimes(options.Value.KeepFor, options.Value.InProgressTimeout);
        var request = new IdempotentRequest(keys, lifetimes, IdempotencyScopes.For(caller), key, http.Request.Method, http.Request.Path.Value ?? "/");
        http.Features.Set(request);
        if (accepts.Hashing == IdempotencyHashing.Body)
        {
            http.Request.EnableBuffering();
            var bodyHash = await SHA256.HashDataAsync(http.Request.Body, http.RequestAborted);
            http.Request.Body.Position = 0;
            // Only the admin key's scope depends on the tenant a request acts for; a domain key's is its own.
            if (caller.IsAdmin && await IdempotencyScopes.AdminTargetAsync(http) is { } target
                && await domains.FindTenantKeyAsync(target, http.RequestAborted) is { } tenant)
                request.ScopeToTenant(target, tenant);
            if (await request.ClaimAsync(http.Request.QueryString.Value ?? "", bodyHash, http.RequestAborted) is { } instead)
            {
                await instead.ExecuteAsync(http);
                return;
            }
        }

        var realBody = http.Response.Body;
        using var answer = new MemoryStream();
        http.Response.Body = answer;
        try
        {
            await next(http);
        }
        catch
        {
            http.Response.Body = realBody;
            if (request.IsClaimed) await ReleaseQuietlyAsync(request);
            throw;
        }
        http.Response.Body = realBody;

        if (request.IsClaimed)
        {
            if (IsDefinitive(http.Response.StatusCode) && !http.RequestAborted.IsCancellationRequested) await StoreQuietlyAsync(request, http.Response, answer);
            else await ReleaseQuietlyAsync(request);
        }
        answer.Position = 0;
        await answer.CopyToAsync(realBody, CancellationToken.None);
    }

    public static bool IsDefinitive(int status) =>
        status is >= 200 and < 300 || (status is >= 400 and < 500 && status is not (408 or 409 or 425 or 429 or 499));

    private async Task StoreQuietlyAsync(IdempotentRequest request, HttpResponse response, MemoryStream answer)
    {
        var headers = ReplayedAnswer.KeptHeaders
            .Where(name => response.Headers.ContainsKey(name))
            .ToDictionary(name => name, name => response.Headers[name].ToString());
        try
        {
            if (!await request.CompleteAsync(response.StatusCode, JsonSerializer.Serialize(headers), Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length)))
                logger.LogWarning("Idempotency key in scope {Scope} was taken over before its answer was stored", request.Scope);
        }
        catch (Exception e)
        {
            // The answer still goes out; the key stays in progress until Idempotency:InProgressTimeout, then a retry redoes the
            // work under the same derived ids, which publishes and grants nothing twice.
            logger.LogWarning("Could not store the answer of idempotency key in scope {Scope} ({ErrorType}: {Error})", request.Scope, e.GetType().Name, e.Message);
        }
    }

    private async Task ReleaseQuietlyAsync(IdempotentRequest request)
    {
        try { await request.ReleaseAsync(); }
        catch (Exception e)
        {
            logger.LogWarning("Could not release idempotency key in scope {Scope} ({ErrorType}: {Error})", request.Scope, e.GetType().Name, e.Message);
        }
    }
}
