using Dapper;
using Npgsql;

namespace Aventora.Persistence.CallLogs;

/// <summary>The <c>call_logs</c> table. Every state change is a guarded UPDATE, so a redelivered message changes nothing twice.</summary>
public sealed class CallLogRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Records a new request; false when its id is already known (a redelivery).</summary>
    public async Task<bool> TryInsertAsync(CallLog log, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO call_logs (id, domain_name, channel, phone_number, type, instruction, name, email, source, status, batch_id, line_number)
            VALUES (@Id, @DomainName, @Channel, @PhoneNumber, @Type, @Instruction, @Name, @Email, @Source, @Status, @BatchId, @LineNumber)
            ON CONFLICT (id) DO NOTHING
            """, log, cancellationToken: cancellationToken));
        return inserted == 1;
    }

    public async Task<CallLog?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CallLog>(new CommandDefinition(
            "SELECT * FROM call_logs WHERE id = @id", new { id }, cancellationToken: cancellationToken));
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
            "SELECT * FROM call_logs WHERE twilio_sid = @twilioSid", new { twilioSid }, cancellationToken: cancellationToken));
    }

    /// <summary>Moves the request from one state to the next; false when it is no longer in <paramref name="from"/>.</summary>
    public async Task<bool> TryMoveAsync(Guid id, string[] from, string to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var moved = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE call_logs SET status = @to, updated_at = now() WHERE id = @id AND status = ANY(@from)",
            new { id, from, to }, cancellationToken: cancellationToken));
        return moved == 1;
    }

    /// <summary>Twilio accepted the message or call: remember its SID and first status.</summary>
    public async Task RecordTwilioAcceptedAsync(Guid id, string twilioSid, string twilioStatus, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE call_logs SET twilio_sid = @twilioSid, twilio_status = @twilioStatus, status = @twilioStatus, updated_at = now()
            WHERE id = @id
            """, new { id, twilioSid, twilioStatus }, cancellationToken: cancellationToken));
    }

    /// <summary>Ends the request as <paramref name="status"/> with a reason a person can act on.</summary>
    public async Task RecordFailureAsync(Guid id, string status, string errorCode, string errorMessage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE call_logs SET status = @status, error_code = @errorCode, error_message = @errorMessage, updated_at = now()
            WHERE id = @id
            """, new { id, status, errorCode, errorMessage }, cancellationToken: cancellationToken));
    }
}
