using System.Security.Cryptography;
using System.Text;
using Aventora.Ingress.Api.Batches;
using Aventora.Persistence.Idempotency;

namespace Aventora.Ingress.Api.Idempotency;

/// <summary>
/// A request that carried an <c>Idempotency-Key</c>, as an HTTP feature the endpoint can reach. Its claim is taken before the
/// work (by <see cref="IdempotencyMiddleware"/> from the body, or by the endpoint once it knows what it was sent, as
/// <c>POST /batches</c> does with its file) and finished by the middleware with the answer. Ids derived here
/// (<see cref="DeriveId"/>) are the same for every retry of the same request under the same key, so even a first use
/// whose answer was not kept (a broker timeout, a crash, a client gone away) cannot make a retry publish or grant a second
/// time. They stay the same after the key expired too: the same key and request much later is still recognised downstream.
/// </summary>
public sealed class IdempotentRequest(
    IdempotencyKeyRepository keys, IdempotencyKeyLifetimes lifetimes, string scope, string key, string method, string path)
{
    private static readonly Guid DerivedIds = new("b8a1f7d2-4e5c-4b0a-9f3e-2d6c8a7e1f40");
    private IdempotencyKeyRow? _claim;

    public string Scope { get; private set; } = scope;

    /// <summary>
    /// Narrows the admin key's scope to the tenant a request acts for, once the endpoint knows it (before the claim): a name
    /// created again after a delete is another tenant, so the admin's key for it never meets the earlier tenant's answer.
    /// </summary>
    public void ScopeToTenant(string domainName, string tenantKey)
    {
        if (_claim is not null) throw new InvalidOperationException("The scope is fixed once the idempotency key is claimed.");
        Scope = IdempotencyScopes.ForAdmin(Scope, domainName, tenantKey);
    }
    public string Key { get; } = key;
    public bool IsClaimed => _claim is not null;

    /// <summary>
    /// Claims the key for this request: null when the caller should go on and do the work; otherwise the answer to give
    /// instead (the first use's answer replayed, 422 for the key with another request, 409 while the first use runs).
    /// </summary>
    /// <param name="parameters">What besides the body shapes the request (the query, form fields), in a stable order.</param>
    /// <param name="contentHash">SHA-256 of the body or file.</param>
    public async Task<IResult?> ClaimAsync(string parameters, byte[] contentHash, CancellationToken cancellationToken)
    {
        if (_claim is not null) throw new InvalidOperationException("The idempotency key is already claimed for this request.");
        var requestHash = RequestHash(parameters, contentHash);
        var (claimed, row) = await keys.TryClaimAsync(new IdempotencyKeyClaim(Scope, Key, requestHash, method, path), lifetimes, cancellationToken);
        if (claimed)
        {
            _claim = row;
            return null;
        }
        if (!row.RequestHash.AsSpan().SequenceEqual(requestHash)) return IdempotencyAnswers.KeyReused(Key, row);
        return row.Status == IdempotencyKeyStatus.Done ? new ReplayedAnswer(row) : IdempotencyAnswers.InProgress(Key);
    }

    /// <summary>An id that every retry of this request under this key gets again, whatever became of the earlier tries.</summary>
    public Guid DeriveId(string purpose)
    {
        var claim = _claim ?? throw new InvalidOperationException("Claim the idempotency key before deriving ids from it.");
        return NameBasedGuid.Create(DerivedIds, $"{Scope}\n{Key}\n{Convert.ToHexString(claim.RequestHash)}\n{purpose}");
    }

    internal Task<bool> CompleteAsync(int status, string headersJson, string body) =>
        keys.CompleteAsync(Scope, Key, _claim!.ClaimId, status, headersJson, body, CancellationToken.None);

    internal Task ReleaseAsync() => keys.ReleaseAsync(Scope, Key, _claim!.ClaimId, CancellationToken.None);

    private byte[] RequestHash(string parameters, byte[] contentHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{method}\n{path}\n{parameters}\n"));
        hash.AppendData(contentHash);
        return hash.GetHashAndReset();
    }
}
