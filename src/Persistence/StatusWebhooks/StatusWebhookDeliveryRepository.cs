using Dapper;
using Npgsql;

namespace Aventora.Persistence.StatusWebhooks;

/// <summary>One event for a domain's endpoint and how its delivery went.</summary>
public sealed record StatusWebhookDeliveryRow
{
    public required Guid Id { get; init; }
    public required string DomainName { get; init; }
    /// <summary>The tenant the event belongs to (null only on rows from before release 1.29.0).</summary>
    public Guid? DomainId { get; init; }
    public required Guid RequestId { get; init; }
    public required int Sequence { get; init; }
    public required string EventType { get; init; }
    public required string Payload { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public DateTime NextAttemptAt { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? DeliveredAt { get; init; }
}

/// <summary>
/// The <c>status_webhook_deliveries</c> table: status events written with each change of status by
/// <see cref="Requests.RequestTransitions"/> (release 1.32.0; before, by triggers), transcript turns by the trigger on
/// <c>conversation_turns</c> (release 1.25.0). A delivery is due when its time has
/// come, it is not leased, and every earlier delivery of its request is delivered or given up: that keeps a request's events
/// in order while different requests go on in parallel. Each round takes every tenant's earliest due delivery before any tenant's
/// second, so one tenant's backlog never keeps another's events out of a round.
/// </summary>
public sealed class StatusWebhookDeliveryRepository(NpgsqlDataSource dataSource)
{
    public static readonly string[] Statuses = ["pending", "failing", "delivered", "failed"];

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries for <paramref name="lease"/> and returns their ids (FOR UPDATE SKIP LOCKED:
    /// copies never take the same), taken round-robin over tenants: every tenant's first due delivery, then every tenant's second, ...
    /// </summary>
    public async Task<IReadOnlyList<Guid>> LeaseDueAsync(int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition("""
            WITH due AS (
                SELECT x.id, x.next_attempt_at,
                       row_number() OVER (PARTITION BY COALESCE(x.domain_id::text, x.domain_name) ORDER BY x.next_attempt_at) AS turn
                FROM status_webhook_deliveries x
                WHERE x.status IN ('pending', 'failing') AND x.next_attempt_at <= now()
                  AND (x.lease_until IS NULL OR x.lease_until < now())
                  AND NOT EXISTS (SELECT 1 FROM status_webhook_deliveries p
                                  WHERE p.request_id = x.request_id AND p.sequence < x.sequence AND p.status IN ('pending', 'failing')))
            UPDATE status_webhook_deliveries d SET lease_until = now() + @lease
            WHERE d.id IN (
                SELECT y.id FROM status_webhook_deliveries y JOIN due ON due.id = y.id
                WHERE y.status IN ('pending', 'failing') AND (y.lease_until IS NULL OR y.lease_until < now())
                ORDER BY due.turn, due.next_attempt_at
                LIMIT @limit
                FOR UPDATE OF y SKIP LOCKED)
            RETURNING d.id
            """, new { limit, lease }, cancellationToken: cancellationToken));
        return ids.ToList();
    }

    public async Task<StatusWebhookDeliveryRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StatusWebhookDeliveryRow>(new CommandDefinition(
            $"SELECT {Columns.Of<StatusWebhookDeliveryRow>()} FROM status_webhook_deliveries WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task MarkDeliveredAsync(Guid id, int statusCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE status_webhook_deliveries
            SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_status_code = @statusCode, last_error = NULL, lease_until = NULL
            WHERE id = @id AND status <> 'delivered'
            """, new { id, statusCode }, cancellationToken: cancellationToken));
    }

    /// <summary>Records a failed attempt: tried again at <paramref name="nextAttemptAt"/>, or given up (failed) when that is null.</summary>
    public async Task MarkAttemptFailedAsync(Guid id, int? statusCode, string error, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE status_webhook_deliveries
            SET status = CASE WHEN @nextAttemptAt IS NULL THEN 'failed' ELSE 'failing' END,
                next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at), attempts = attempts + 1,
                last_status_code = @statusCode, last_error = @error, lease_until = NULL
            WHERE id = @id AND status <> 'delivered'
            """, new { id, statusCode, error, nextAttemptAt }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Puts a delivery back without an attempt (its tenant was at its share, or its endpoint's circuit is open): due again at
    /// <paramref name="nextAttemptAt"/>, or given up (failed) when that is null. <paramref name="reason"/>, when given, is shown as its last error.
    /// </summary>
    public async Task PutBackAsync(Guid id, DateTimeOffset? nextAttemptAt, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE status_webhook_deliveries
            SET status = CASE WHEN @nextAttemptAt IS NULL THEN 'failed' ELSE status END,
                next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at), last_error = COALESCE(@reason, last_error), lease_until = NULL
            WHERE id = @id AND status IN ('pending', 'failing')
            """, new { id, nextAttemptAt, reason }, cancellationToken: cancellationToken));
    }

    /// <summary>A domain's deliveries, newest first, optionally of one status or one request.</summary>
    public async Task<IReadOnlyList<StatusWebhookDeliveryRow>> ListAsync(
        string domainName, string? status, Guid? requestId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<StatusWebhookDeliveryRow>(new CommandDefinition($$"""
            SELECT {{Columns.Of<StatusWebhookDeliveryRow>()}} FROM status_webhook_deliveries
            WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName) AND (@status::text IS NULL OR status = @status) AND (@requestId::uuid IS NULL OR request_id = @requestId)
            ORDER BY created_at DESC, sequence DESC
            LIMIT @limit
            """, new { domainName, status, requestId, limit }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    /// <summary>Sends a delivery again now (a failed one, or a failing one sooner); false when the domain has no such delivery or it was delivered.</summary>
    public async Task<bool> RetryAsync(string domainName, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE status_webhook_deliveries SET status = 'failing', next_attempt_at = now(), lease_until = NULL
            WHERE id = @id AND domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName) AND status IN ('failing', 'failed')
            """, new { id, domainName }, cancellationToken: cancellationToken)) == 1;
    }
}
