using Dapper;
using Npgsql;

namespace Aventora.Persistence.Idempotency;

public sealed record IdempotencyKeyRow
{
    public required string Scope { get; init; }
    public required string Key { get; init; }
    public required byte[] RequestHash { get; init; }
    public required string RequestMethod { get; init; }
    public required string RequestPath { get; init; }
    public required string Status { get; init; }
    public required Guid ClaimId { get; init; }
    public int? ResponseStatus { get; init; }
    public string? ResponseHeaders { get; init; }
    public string? ResponseBody { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ClaimedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
}

public static class IdempotencyKeyStatus
{
    public const string InProgress = "in_progress";
    public const string Done = "done";
}

/// <summary>What a client's key asks for: whose key, which key, and the request it stands for.</summary>
public sealed record IdempotencyKeyClaim(string Scope, string Key, byte[] RequestHash, string Method, string Path);

/// <summary>How long keys live: answers are kept <see cref="KeepFor"/>; a claim not completed within <see cref="InProgressTimeout"/> was lost.</summary>
public sealed record IdempotencyKeyLifetimes(TimeSpan KeepFor, TimeSpan InProgressTimeout);

/// <summary>
/// The <c>idempotency_keys</c> table. A key is claimed (<c>in_progress</c>) before the work it guards and completed with the
/// answer (<c>done</c>), or released when the answer was not definitive, so a retry may do the work. Only the claimant
/// (its <c>claim_id</c>) completes or releases a claim; a claim older than the in-progress timeout (its process died)
/// may be taken over by a request with the same hash, and a key older than keep-for is a new key again.
/// </summary>
public sealed class IdempotencyKeyRepository(NpgsqlDataSource dataSource)
{
    /// <summary>The key's row and whether this call now holds the claim (its <see cref="IdempotencyKeyRow.ClaimId"/> is ours).</summary>
    public async Task<(bool Claimed, IdempotencyKeyRow Row)> TryClaimAsync(
        IdempotencyKeyClaim claim, IdempotencyKeyLifetimes lifetimes, CancellationToken cancellationToken)
    {
        var claimId = Guid.NewGuid();
        var args = new
        {
            claim.Scope, claim.Key, claim.RequestHash, claim.Method, claim.Path, claimId,
            lifetimes.KeepFor, lifetimes.InProgressTimeout,
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // A competing insert that commits after this statement's snapshot leaves both halves empty: look again.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var rows = await connection.QueryAsync<IdempotencyKeyRow, Freshness, FoundRow>(new CommandDefinition($$"""
                WITH inserted AS (
                    INSERT INTO idempotency_keys (scope, key, request_hash, request_method, request_path, claim_id)
                    VALUES (@Scope, @Key, @RequestHash, @Method, @Path, @claimId)
                    ON CONFLICT (scope, key) DO NOTHING
                    RETURNING {{Columns.Of<IdempotencyKeyRow>()}}),
                found AS (
                    SELECT {{Columns.Of<IdempotencyKeyRow>()}} FROM inserted UNION ALL SELECT {{Columns.Of<IdempotencyKeyRow>()}} FROM idempotency_keys WHERE scope = @Scope AND key = @Key LIMIT 1)
                SELECT {{Columns.Of<IdempotencyKeyRow>()}}, created_at < now() - @KeepFor AS expired, claimed_at < now() - @InProgressTimeout AS stale FROM found
                """, args, cancellationToken: cancellationToken), (row, freshness) => new FoundRow(row, freshness), splitOn: "expired");
            if (rows.SingleOrDefault() is not { } found) continue;
            if (found.Row.ClaimId == claimId) return (true, found.Row);
            if (!found.Freshness.Expired && !(found.Row.Status == IdempotencyKeyStatus.InProgress && found.Freshness.Stale && found.Row.RequestHash.AsSpan().SequenceEqual(claim.RequestHash)))
                return (false, found.Row);

            // Expired (a new use of the key) or a lost claim on the same request: take it over, unless someone just did.
            var taken = await connection.QuerySingleOrDefaultAsync<IdempotencyKeyRow>(new CommandDefinition($$"""
                UPDATE idempotency_keys
                SET request_hash = @RequestHash, request_method = @Method, request_path = @Path, status = 'in_progress', claim_id = @claimId,
                    response_status = NULL, response_headers = NULL, response_body = NULL, completed_at = NULL, claimed_at = now(),
                    created_at = CASE WHEN created_at < now() - @KeepFor THEN now() ELSE created_at END
                WHERE scope = @Scope AND key = @Key AND claim_id = @previousClaimId
                  AND (created_at < now() - @KeepFor
                       OR (status = 'in_progress' AND claimed_at < now() - @InProgressTimeout AND request_hash = @RequestHash))
                RETURNING {{Columns.Of<IdempotencyKeyRow>()}}
                """, new
            {
                claim.Scope, claim.Key, claim.RequestHash, claim.Method, claim.Path, claimId, previousClaimId = found.Row.ClaimId,
                lifetimes.KeepFor, lifetimes.InProgressTimeout,
            }, cancellationToken: cancellationToken));
            if (taken is not null) return (true, taken);
        }
        throw new InvalidOperationException($"Idempotency key could not be claimed or read in scope {claim.Scope} after 5 attempts.");
    }

    /// <summary>Stores the definitive answer under the claim; false when the claim was taken over meanwhile.</summary>
    public async Task<bool> CompleteAsync(
        string scope, string key, Guid claimId, int responseStatus, string responseHeadersJson, string responseBody, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE idempotency_keys
            SET status = 'done', response_status = @responseStatus, response_headers = @responseHeadersJson::jsonb,
                response_body = @responseBody, completed_at = now()
            WHERE scope = @scope AND key = @key AND claim_id = @claimId AND status = 'in_progress'
            """, new { scope, key, claimId, responseStatus, responseHeadersJson, responseBody }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Gives the key up (the answer was not definitive): the next request with it does the work.</summary>
    public async Task ReleaseAsync(string scope, string key, Guid claimId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_keys WHERE scope = @scope AND key = @key AND claim_id = @claimId AND status = 'in_progress'",
            new { scope, key, claimId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> keys older than <paramref name="keepFor"/>; returns how many. Rows another
    /// sweeper (another Ingress) holds are skipped, so several sweep side by side without waiting on each other.
    /// </summary>
    public async Task<int> SweepAsync(TimeSpan keepFor, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM idempotency_keys WHERE ctid IN (
                SELECT ctid FROM idempotency_keys WHERE created_at < now() - @keepFor LIMIT @limit FOR UPDATE SKIP LOCKED)
            """, new { keepFor, limit }, cancellationToken: cancellationToken));
    }

    /// <summary>Whether a found key is past its lifetime, or its first use is past the in-progress timeout.</summary>
    private sealed class Freshness
    {
        public bool Expired { get; init; }
        public bool Stale { get; init; }
    }

    private sealed record FoundRow(IdempotencyKeyRow Row, Freshness Freshness);
}
