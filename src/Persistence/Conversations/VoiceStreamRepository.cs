using Dapper;
using Npgsql;

namespace Aventora.Persistence.Conversations;

/// <summary>
/// The <c>voice_streams</c> table: how each call's Media Stream went (open, completed, hung_up, dropped, refused). One row
/// per request, written once, so a request has one stream, bound to the call SID it started with.
/// </summary>
public sealed class VoiceStreamRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Binds the request's one stream to this stream and call SID, open: true only for the first stream a request ever has.
    /// A second one (a replayed token, another call SID, another Voice copy) gets false and leaves the real stream's row as it is.
    /// </summary>
    public Task<bool> TryOpenAsync(Guid requestId, string? domainName, string streamSid, string callSid, CancellationToken cancellationToken) =>
        TryBindAsync(requestId, domainName, streamSid, callSid, "open", cancellationToken);

    /// <summary>
    /// The request's first stream was refused (no capacity); the call's next TwiML fetch falls back to Gather. False when the
    /// request already had a stream: that row is not touched.
    /// </summary>
    public Task<bool> TryRefuseAsync(Guid requestId, string? domainName, string streamSid, string callSid, CancellationToken cancellationToken) =>
        TryBindAsync(requestId, domainName, streamSid, callSid, "refused", cancellationToken);

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

    // The primary key on request_id makes the bind hold across every Voice.Worker copy: one row, written once.
    private async Task<bool> TryBindAsync(Guid requestId, string? domainName, string streamSid, string callSid, string state, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO voice_streams (request_id, domain_name, stream_sid, call_sid, state, ended_at)
            VALUES (@requestId, @domainName, @streamSid, @callSid, @state, CASE WHEN @state = 'open' THEN NULL ELSE now() END)
            ON CONFLICT (request_id) DO NOTHING
            """, new { requestId, domainName, streamSid, callSid, state }, cancellationToken: cancellationToken)) == 1;
    }
}
