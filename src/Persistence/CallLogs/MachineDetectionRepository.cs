using Dapper;
using Npgsql;

namespace Aventora.Persistence.CallLogs;

/// <summary>A phone call as answering machine detection found it: its status now, who answered, and what was done about a machine.</summary>
public sealed record MachineDetectionState(string Status, string? TwilioSid, string AnsweredBy, string? MachineAction);

/// <summary>Records what Twilio's answering machine detection reported on a request's call, and what Aventora did about it.</summary>
public sealed class MachineDetectionRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Records <paramref name="answeredBy"/> on the request (the first report stays), which must belong to the domain and channel
    /// whose account signed it and carry no other call's SID. Null when there is no such request.
    /// </summary>
    public async Task<MachineDetectionState?> RecordAsync(
        Guid requestId, string? domainName, string channel, string callSid, string answeredBy, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MachineDetectionState>(new CommandDefinition("""
            UPDATE call_logs SET answered_by = COALESCE(answered_by, @answeredBy), updated_at = now()
            WHERE id = @requestId AND domain_name IS NOT DISTINCT FROM @domainName AND channel = @channel
              AND (twilio_sid IS NULL OR twilio_sid = @callSid)
            RETURNING status AS Status, twilio_sid AS TwilioSid, answered_by AS AnsweredBy, machine_action AS MachineAction
            """, new { requestId, domainName, channel, callSid, answeredBy }, cancellationToken: cancellationToken));
    }

    /// <summary>What was done on a machine answer (voicemail or hangup); the first one recorded stays.</summary>
    public async Task RecordActionAsync(Guid requestId, string action, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE call_logs SET machine_action = COALESCE(machine_action, @action), updated_at = now() WHERE id = @requestId",
            new { requestId, action }, cancellationToken: cancellationToken));
    }
}
