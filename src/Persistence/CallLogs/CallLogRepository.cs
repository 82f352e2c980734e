using Dapper;
using Aventora.Persistence.Requests;
using Npgsql;

namespace Aventora.Persistence.CallLogs;

/// <summary>The <c>call_logs</c> table. Every state change is a guarded UPDATE, so a redelivered message changes nothing twice.</summary>
public sealed class CallLogRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Records a new request; false when its id is already known (a redelivery).</summary>
    public async Task<bool> TryInsertAsync(CallLog log, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var inserted = await connection.ExecuteScalarAsync<int>(new CommandDefinition(InsertSql, log, cancellationToken: cancellationToken));
        return inserted == 1;
    }

    private static readonly string InsertSql = RequestTransitions.Insert(
        "id, domain_name, channel, phone_number, type, instruction, name, email, source, status, batch_id, line_number",
        "@Id, @DomainName, @Channel, @PhoneNumber, @Type, @Instruction, @Name, @Email, @Source, @Status, @BatchId, @LineNumber",
        "SELECT count(*)::int FROM moved");

    public async Task<CallLog?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CallLog>(new CommandDefinition(
            $$"""
            SELECT {{Columns.Of<CallLog>("c")}}, (c.domain_name IS NOT NULL AND c.domain_name <> ''
                         AND c.domain_id IS DISTINCT FROM aventora_domain_id(c.domain_name)) AS of_deleted_domain
            FROM call_logs c WHERE c.id = @id
            """, new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>How many of a batch's requests are in each status: how far the batch has got.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountByStatusAsync(Guid batchId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, count(*) FROM call_logs WHERE batch_id = @batchId GROUP BY status ORDER BY status",
            new { batchId }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Status, r => (int)r.Count);
    }

    public async Task<CallLog?> FindByTwilioSidAsync(string twilioSid, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CallLog>(new CommandDefinition(
            $"SELECT {Columns.Of<CallLog>()} FROM call_logs WHERE twilio_sid = @twilioSid", new { twilioSid }, cancellationToken: cancellationToken));
    }

    private static readonly string MoveSql = RequestTransitions.Update("@to", "", "c.id = @id AND c.status = ANY(@from)", "SELECT count(*)::int FROM moved");

    /// <summary>Moves the request from one state to the next; false when it is no longer in <paramref name="from"/>.</summary>
    public async Task<bool> TryMoveAsync(Guid id, string[] from, string to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var moved = await connection.ExecuteScalarAsync<int>(new CommandDefinition(MoveSql, new { id, from, to }, cancellationToken: cancellationToken));
        return moved == 1;
    }

    private static readonly string InsertAndReadSql = RequestTransitions.Insert(
        "id, domain_name, channel, phone_number, type, instruction, name, email, source, status, batch_id, line_number, send_at",
        "@Id, @DomainName, @Channel, @PhoneNumber, @Type, @Instruction, @Name, @Email, @Source, @Status, @BatchId, @LineNumber, @SendAt",
        """
        SELECT COALESCE((SELECT status FROM moved), (SELECT status FROM call_logs WHERE id = @Id)),
               EXISTS (SELECT 1 FROM opt_outs WHERE domain_name = COALESCE(@DomainName, '') AND phone_number = @PhoneNumber
                             AND domain_id IS NOT DISTINCT FROM aventora_domain_id(COALESCE(@DomainName, '')))
               OR EXISTS (SELECT 1 FROM sender_opt_outs WHERE sender_number = @SenderNumber AND phone_number = @PhoneNumber)
        """);

    /// <summary>
    /// Records a new request and reads where it stands, in one round trip: its status (<c>received</c> when new, else how far an
    /// earlier delivery got it) and whether the person has opted out of the domain or of <paramref name="senderNumber"/>, the
    /// number the request would be sent from (null when it has none).
    /// </summary>
    public async Task<(string Status, bool OptedOut)> InsertAndReadAsync(CallLog log, string? senderNumber, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(log);
        parameters.Add("SenderNumber", senderNumber);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<(string, bool)>(new CommandDefinition(InsertAndReadSql, parameters, cancellationToken: cancellationToken));
    }

    private static readonly string ClaimSql = RequestTransitions.Update("'sending'",
        "attempt_started_at = now(), attempt_account_sid = @accountSid, attempt_from = @fromNumber",
        "c.id = @id AND c.status IN ('received', 'routed')", "SELECT count(*)::int FROM moved");

    /// <summary>
    /// Claims the request for its one send attempt (status <c>sending</c>), remembering when and from which account and number,
    /// so a reconciler can ask Twilio about it if the outcome is lost. False when another delivery already claimed it.
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid id, string accountSid, string fromNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var claimed = await connection.ExecuteScalarAsync<int>(new CommandDefinition(ClaimSql, new { id, accountSid, fromNumber }, cancellationToken: cancellationToken));
        return claimed == 1;
    }

    private static readonly string ReleaseClaimSql = RequestTransitions.Update("'routed'",
        "attempt_started_at = NULL, attempt_account_sid = NULL, attempt_from = NULL",
        "c.id = @id AND c.status = 'sending' AND c.twilio_sid IS NULL", "SELECT count(*)::int FROM moved");

    /// <summary>Gives the claim back: only ever before Twilio was called, so the retry may send.</summary>
    public async Task ReleaseClaimAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(ReleaseClaimSql, new { id }, cancellationToken: cancellationToken));
    }

    private static readonly string UnconfirmedSql = RequestTransitions.Update("'unconfirmed'",
        "error_message = @reason, reconcile_after = now() + @reconcileAfter", "c.id = @id AND c.status = 'sending'", "SELECT count(*)::int FROM moved");

    /// <summary>Twilio may have created the message or call, but its answer was lost: the reconciler decides, nothing resends.</summary>
    public async Task MarkUnconfirmedAsync(Guid id, string reason, TimeSpan reconcileAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(UnconfirmedSql, new { id, reason, reconcileAfter }, cancellationToken: cancellationToken));
    }

    private static readonly string AcceptedSql = RequestTransitions.Update(
        "CASE WHEN c.status = ANY(@before) THEN @twilioStatus ELSE c.status END",
        """
        twilio_sid = @twilioSid,
        twilio_status = CASE WHEN c.status = ANY(@before) THEN @twilioStatus ELSE c.twilio_status END,
        error_message = CASE WHEN c.status = 'unconfirmed' THEN NULL ELSE c.error_message END
        """, "c.id = @id", "SELECT count(*)::int FROM moved");

    /// <summary>
    /// Twilio accepted the message or call: remember its SID, and its first status unless a status callback already moved the
    /// request further (callbacks may arrive before this). Throws <see cref="PostgresException"/> 23505 when the SID already
    /// belongs to another request.
    /// </summary>
    public async Task RecordTwilioAcceptedAsync(Guid id, string twilioSid, string twilioStatus, CancellationToken cancellationToken)
    {
        var before = CallLogLifecycle.Before(twilioStatus);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(AcceptedSql, new { id, twilioSid, twilioStatus, before }, cancellationToken: cancellationToken));
    }

    private static readonly string FailureSql = RequestTransitions.Update("@status", "error_code = @errorCode, error_message = @errorMessage",
        "c.id = @id AND NOT (c.status = ANY(@final))", "SELECT count(*)::int FROM moved");

    /// <summary>Ends the request as <paramref name="status"/> with a reason a person can act on (unless it already ended).</summary>
    public async Task RecordFailureAsync(Guid id, string status, string errorCode, string errorMessage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(FailureSql,
            new { id, status, errorCode, errorMessage, final = CallLogLifecycle.FinalStatuses }, cancellationToken: cancellationToken));
    }

    private static readonly string EndSql = RequestTransitions.Update("@status", "error_code = @errorCode, error_message = @errorMessage",
        "c.id = @id AND c.status = ANY(@from)", "SELECT count(*)::int FROM moved");

    /// <summary>Ends the request as <paramref name="status"/> only while it is in one of <paramref name="from"/>; false otherwise.</summary>
    public async Task<bool> TryEndAsync(Guid id, string[] from, string status, string errorCode, string errorMessage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(EndSql, new { id, from, status, errorCode, errorMessage },
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> requests of <paramref name="channels"/> whose send outcome is unknown (<c>unconfirmed</c>,
    /// or still <c>sending</c> after <paramref name="stuckAfter"/>) and leases them for <paramref name="leaseFor"/>, so that several
    /// reconciler instances never look at the same row at once.
    /// </summary>
    public Task<IReadOnlyList<CallLog>> LeaseUnsettledAttemptsAsync(
        string[] channels, TimeSpan stuckAfter, TimeSpan leaseFor, int limit, CancellationToken cancellationToken) =>
        LeaseAsync("""
            (status = 'unconfirmed' OR (status = 'sending' AND attempt_started_at < now() - @stuckAfter))
            """, channels, stuckAfter, leaseFor, limit, cancellationToken);

    /// <summary>
    /// Takes requests with a SID, no final status and no news for <paramref name="quietAfter"/> (a callback may be lost): for three
    /// days, and WhatsApp messages still at <c>delivered</c> for one (their <c>read</c> may come).
    /// </summary>
    public Task<IReadOnlyList<CallLog>> LeaseQuietAsync(
        string[] channels, TimeSpan quietAfter, TimeSpan leaseFor, int limit, CancellationToken cancellationToken) =>
        LeaseAsync("""
            twilio_sid IS NOT NULL AND updated_at < now() - @stuckAfter
            AND ((status IN ('accepted', 'scheduled', 'queued', 'sent', 'initiated', 'ringing', 'in-progress') AND created_at > now() - interval '3 days')
                 -- A WhatsApp message may still be read: its lost "read" callback heals within a day.
                 OR (channel = 'wmsg' AND status = 'delivered' AND created_at > now() - interval '1 day'))
            """, channels, quietAfter, leaseFor, limit, cancellationToken);

    private async Task<IReadOnlyList<CallLog>> LeaseAsync(
        string condition, string[] channels, TimeSpan stuckAfter, TimeSpan leaseFor, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CallLog>(new CommandDefinition($"""
            UPDATE call_logs SET reconcile_after = now() + @leaseFor
            WHERE id IN (
                SELECT id FROM call_logs
                WHERE channel = ANY(@channels) AND (reconcile_after IS NULL OR reconcile_after <= now()) AND {condition}
                ORDER BY updated_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING {Columns.Of<CallLog>()}
            """, new { channels, stuckAfter, leaseFor, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
