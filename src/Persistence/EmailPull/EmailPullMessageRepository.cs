using Dapper;
using Npgsql;

namespace Aventora.Persistence.EmailPull;

public sealed record EmailPullMessageRow
{
    public required Guid Id { get; init; }
    public required long UidValidity { get; init; }
    public required long Uid { get; init; }
    public string? MessageId { get; init; }
    public required string Status { get; init; }
    public string? Reason { get; init; }
    public int RequestCount { get; init; }
    public DateTimeOffset ClaimedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public static class EmailPullMessageStatus
{
    public const string Claimed = "claimed";
    public const string Handled = "handled";
    public const string Rejected = "rejected";
}

/// <summary>
/// The <c>email_pull_messages</c> table: a mail is claimed (unique by UIDVALIDITY+UID and by Message-Id) before any
/// request is published for it. The claim's id seeds the requests' ids, so a claim taken over after a crash republishes
/// the same requests, which the dispatcher recognises.
/// </summary>
public sealed class EmailPullMessageRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The claim to work under, or null when another poller holds a fresh claim or the mail was already handled or rejected.
    /// A claim older than <paramref name="staleAfter"/> is taken over (its poller died or the broker failed).
    /// </summary>
    public async Task<Guid?> TryClaimAsync(Guid configId, long uidValidity, long uid, string? messageId, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var inserted = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition("""
            INSERT INTO email_pull_messages (id, config_id, uid_validity, uid, message_id, status)
            VALUES (@id, @configId, @uidValidity, @uid, @messageId, 'claimed')
            ON CONFLICT DO NOTHING
            RETURNING id
            """, new { id = Guid.NewGuid(), configId, uidValidity, uid, messageId }, cancellationToken: cancellationToken));
        if (inserted is not null) return inserted;

        // Already known, by UID or by Message-Id: take it over only when its claim went stale.
        return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition("""
            UPDATE email_pull_messages SET claimed_at = now(), updated_at = now()
            WHERE id = (SELECT id FROM email_pull_messages
                        WHERE config_id = @configId AND ((uid_validity = @uidValidity AND uid = @uid) OR message_id = @messageId)
                        LIMIT 1)
              AND status = 'claimed' AND claimed_at < now() - @staleAfter
            RETURNING id
            """, new { configId, uidValidity, uid, messageId, staleAfter }, cancellationToken: cancellationToken));
    }

    /// <summary>The status of a mail known by UID or Message-Id, or null when it is new.</summary>
    public async Task<string?> FindStatusAsync(Guid configId, long uidValidity, long uid, string? messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition("""
            SELECT status FROM email_pull_messages
            WHERE config_id = @configId AND ((uid_validity = @uidValidity AND uid = @uid) OR message_id = @messageId)
            """, new { configId, uidValidity, uid, messageId }, cancellationToken: cancellationToken));
    }

    public async Task FinishAsync(Guid id, string status, string? reason, int requestCount, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE email_pull_messages SET status = @status, reason = @reason, request_count = @requestCount, updated_at = now() WHERE id = @id
            """, new { id, status, reason, requestCount }, cancellationToken: cancellationToken));
    }

    /// <summary>Lets the next poll take the claim over at once (the broker failed; the same ids will be republished).</summary>
    public async Task ReleaseAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE email_pull_messages SET claimed_at = '-infinity', updated_at = now() WHERE id = @id AND status = 'claimed'",
            new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>The latest mails of a mailbox, newest first, for the operator.</summary>
    public async Task<IReadOnlyList<EmailPullMessageRow>> ListAsync(Guid configId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EmailPullMessageRow>(new CommandDefinition(
            $"SELECT {Columns.Of<EmailPullMessageRow>()} FROM email_pull_messages WHERE config_id = @configId ORDER BY claimed_at DESC LIMIT @limit",
            new { configId, limit }, cancellationToken: cancellationToken))).AsList();
    }
}
