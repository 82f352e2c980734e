using Dapper;
using Npgsql;

namespace Aventora.Persistence.CallLogs;

/// <summary>
/// Moves <c>call_logs</c> along the lifecycle as Twilio reports it: one guarded UPDATE that only moves forwards
/// (see <see cref="CallLogLifecycle"/>), so a late, repeated or redelivered status report changes nothing.
/// </summary>
public sealed class CallLogStatusRepository(NpgsqlDataSource dataSource)
{
    /// <summary>True when the row moved to <paramref name="status"/>; false when it was already there or further along.</summary>
    public async Task<bool> TryAdvanceAsync(
        string twilioSid, string status, string? errorCode, string? errorMessage, int? durationSeconds, CancellationToken cancellationToken)
    {
        var from = CallLogLifecycle.Before(status);
        if (from.Length == 0) return false;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var moved = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE call_logs
            SET status = @status, twilio_status = @status,
                error_code = COALESCE(@errorCode, error_code), error_message = COALESCE(@errorMessage, error_message),
                duration_seconds = COALESCE(@durationSeconds, duration_seconds), updated_at = now()
            WHERE twilio_sid = @twilioSid AND status = ANY(@from)
            """, new { twilioSid, status, errorCode, errorMessage, durationSeconds, from }, cancellationToken: cancellationToken));
        return moved == 1;
    }
}
