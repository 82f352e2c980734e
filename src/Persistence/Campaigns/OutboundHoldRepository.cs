using Dapper;
using Aventora.Persistence.Requests;
using Npgsql;

namespace Aventora.Persistence.Campaigns;

/// <summary>Why a request waits.</summary>
public static class HoldReasons
{
    public const string SendAt = "send_at";
    public const string QuietHours = "quiet_hours";
    public const string BatchPaused = "batch_paused";
    /// <summary>Its sender's next slot is further off than a consumer may wait (Pacing:ParkBeyond): parked, not held in memory.</summary>
    public const string SenderPace = "sender_pace";
}

/// <summary>Which message a hold publishes again when it is released.</summary>
public static class HoldKinds
{
    public const string OutboundRequested = "outbound_requested";
    public const string SendMessage = "send_message";
    public const string PlaceCall = "place_call";
}

/// <summary>A request held until <see cref="DueAt"/> (or until its batch resumes), with the message that takes it on again.</summary>
public sealed record OutboundHold
{
    public required Guid RequestId { get; init; }
    public string? DomainName { get; init; }
    public Guid? BatchId { get; init; }
    public required string MessageKind { get; init; }
    /// <summary>The message as JSON: never carries a secret (the contracts carry none).</summary>
    public required string Message { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    public required string Reason { get; init; }
    public DateTimeOffset? LeasedUntil { get; init; }
}

/// <summary>
/// The <c>outbound_holds</c> table. A request is held (its call_logs status moved to <c>scheduled</c> or <c>paused</c> in the same
/// transaction); the scheduler leases due rows and publishes their message again; the consumer that receives it deletes the row as it
/// takes the request on (so a release published twice is taken once); a row not leased can be cancelled. Times come from the
/// caller's clock (an injectable TimeProvider), so tests drive them.
/// </summary>
public sealed class OutboundHoldRepository(NpgsqlDataSource dataSource)
{
    private static readonly string HoldSql = RequestTransitions.Update("@status", "send_at = @DueAt",
        "c.id = @RequestId AND c.status = ANY(@from)", "SELECT count(*)::int FROM moved");

    /// <summary>Holds the request if its call_logs row is in one of <paramref name="from"/>; false (nothing changed) otherwise.</summary>
    public async Task<bool> HoldAsync(OutboundHold hold, string[] from, string status, CancellationToken cancellationToken)
    {
        hold = hold with { DueAt = hold.DueAt.ToUniversalTime() }; // Npgsql writes timestamptz from UTC values only
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = await connection.ExecuteScalarAsync<int>(new CommandDefinition(HoldSql,
            new { status, from, hold.DueAt, hold.RequestId }, transaction, cancellationToken: cancellationToken));
        if (moved != 1) return false;
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO outbound_holds (request_id, domain_name, batch_id, message_kind, message, due_at, reason)
            VALUES (@RequestId, @DomainName, @BatchId, @MessageKind, @Message::jsonb, @DueAt, @Reason)
            ON CONFLICT (request_id) DO UPDATE SET message_kind = excluded.message_kind, message = excluded.message,
                due_at = excluded.due_at, reason = excluded.reason, leased_until = NULL
            """, hold, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> holds due at <paramref name="now"/> (not leased, or whose lease ran out: their release
    /// was lost), skipping those of paused batches and those another scheduler copy is taking.
    /// </summary>
    public async Task<IReadOnlyList<OutboundHold>> LeaseDueAsync(DateTimeOffset now, TimeSpan leaseFor, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<OutboundHold>(new CommandDefinition("""
            UPDATE outbound_holds h SET leased_until = @now + @leaseFor
            WHERE h.request_id IN (
                SELECT o.request_id FROM outbound_holds o
                WHERE o.due_at <= @now AND (o.leased_until IS NULL OR o.leased_until < @now)
                  AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = o.batch_id AND b.control = 'paused')
                ORDER BY o.due_at LIMIT @limit
                FOR UPDATE SKIP LOCKED)
            RETURNING h.request_id, h.domain_name, h.batch_id, h.message_kind, h.message::text AS message, h.due_at, h.reason, h.leased_until
            """, new { now, leaseFor, limit }, cancellationToken: cancellationToken))).AsList();
    }

    private static readonly string TakeSql = RequestTransitions.Update("@status", "",
        "c.id IN (SELECT request_id FROM taken) AND c.status IN ('scheduled', 'paused')", "SELECT count(*)::int FROM moved",
        with: "taken AS (DELETE FROM outbound_holds WHERE request_id = @requestId AND leased_until IS NOT NULL RETURNING request_id)");

    /// <summary>
    /// The released message arrived: deletes the (leased) hold and moves the request from <c>scheduled</c>/<c>paused</c> to
    /// <paramref name="status"/>, in one statement. False when there was nothing to take (a second copy of the release).
    /// </summary>
    public async Task<bool> TakeAsync(Guid requestId, string status, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(TakeSql, new { requestId, status }, cancellationToken: cancellationToken)) == 1;
    }

    private const string Cancelled = "error_code = 'cancelled', error_message = @reason";

    private static readonly string CancelSql = RequestTransitions.Update("'cancelled'", Cancelled,
        "c.id IN (SELECT request_id FROM gone)", "SELECT count(*)::int FROM moved",
        with: "gone AS (DELETE FROM outbound_holds WHERE request_id = @requestId AND (leased_until IS NULL OR leased_until < @now) RETURNING request_id)");

    private static readonly string CancelBatchSql = RequestTransitions.Update("'cancelled'", Cancelled,
        "c.id IN (SELECT request_id FROM gone)", "SELECT count(*)::int FROM moved",
        with: "gone AS (DELETE FROM outbound_holds WHERE batch_id = @batchId AND (leased_until IS NULL OR leased_until < @now) RETURNING request_id)");

    private static readonly string PauseParkedSql = RequestTransitions.Update("'paused'", "",
        "c.id IN (SELECT request_id FROM parked) AND c.status = 'scheduled'", "SELECT count(*)::int FROM moved",
        with: """
            parked AS (UPDATE outbound_holds SET reason = 'batch_paused', due_at = @now
                       WHERE batch_id = @batchId AND reason = 'sender_pace' AND (leased_until IS NULL OR leased_until < @now)
                       RETURNING request_id)
            """);

    /// <summary>
    /// The batch was paused: its rows parked for their sender's pace wait with the batch instead (<c>paused</c>), and go when it
    /// resumes, taking a new slot then. How many.
    /// </summary>
    public async Task<int> PauseParkedAsync(Guid batchId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(PauseParkedSql, new { batchId, now = now.ToUniversalTime() },
            commandTimeout: 120, cancellationToken: cancellationToken));
    }

    /// <summary>Cancels a held request that is not being released at this moment; false when there was none to cancel.</summary>
    public async Task<bool> CancelAsync(Guid requestId, DateTimeOffset now, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(CancelSql, new { requestId, now, reason }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Cancels every held request of the batch not being released at this moment; how many.</summary>
    public async Task<int> CancelBatchAsync(Guid batchId, DateTimeOffset now, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(CancelBatchSql, new { batchId, now, reason }, commandTimeout: 120,
            cancellationToken: cancellationToken));
    }
}
