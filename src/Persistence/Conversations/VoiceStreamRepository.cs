using Dapper;
using Npgsql;

namespace Aventora.Persistence.Conversations;

/// <summary>The <c>voice_streams</c> table: how each call's Media Stream went (open, completed, hung_up, dropped, refused).</summary>
public sealed class VoiceStreamRepository(NpgsqlDataSource dataSource)
{
    /// <summary>The stream is accepted and open; a reconnect of the same request reopens its row.</summary>
    public Task OpenAsync(Guid requestId, string? domainName, string streamSid, string callSid, CancellationToken cancellationToken) =>
        UpsertAsync(requestId, domainName, streamSid, callSid, "open", cancellationToken);

    /// <summary>The stream was refused (no capacity); the call's next TwiML fetch falls back to Gather.</summary>
    public Task RefuseAsync(Guid requestId, string? domainName, string streamSid, string callSid, CancellationToken cancellationToken) =>
        UpsertAsync(requestId, domainName, streamSid, callSid, "refused", cancellationToken);

    /// <summary>Ends an open stream with <paramref name="state"/> (completed, hung_up or dropped); the first ending wins.</summary>
    public async Task EndAsync(Guid requestId, string streamSid, string state, int bargeIns, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE voice_streams SET state = @state, barge_ins = @bargeIns, ended_at = now()
            WHERE request_id = @requestId AND stream_sid = @streamSid AND state = 'open'
            """, new { requestId, streamSid, state, bargeIns }, cancellationToken: cancellationToken));
    }

    /// <summary>The state of the request's stream, or null when no stream ever started for it.</summary>
    public async Task<string?> FindStateAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT state FROM voice_streams WHERE request_id = @requestId", new { requestId }, cancellationToken: cancellationToken));
    }

    private async Task UpsertAsync(Guid requestId, string? domainName, string streamSid, string callSid, string state, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO voice_streams (request_id, domain_name, stream_sid, call_sid, state, ended_at)
            VALUES (@requestId, @domainName, @streamSid, @callSid, @state, CASE WHEN @state = 'open' THEN NULL ELSE now() END)
            ON CONFLICT (request_id) DO UPDATE SET stream_sid = excluded.stream_sid, call_sid = excluded.call_sid,
                state = excluded.state, started_at = now(), ended_at = excluded.ended_at
            """, new { requestId, domainName, streamSid, callSid, state }, cancellationToken: cancellationToken));
    }
}
