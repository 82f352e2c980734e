using Dapper;
using Npgsql;

namespace Aventora.Persistence.Conversations;

/// <summary>The <c>sms_sessions</c> table: one conversation per domain, channel and number, for sms and wmsg alike.</summary>
public sealed class SmsSessionRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Opens (or re-opens) the person's session for a new outbound request, keeping when they last wrote.</summary>
    public async Task OpenForRequestAsync(string? domainName, string channel, string phoneNumber, string senderNumber, Guid requestId,
        string type, string instruction, string? name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sms_sessions (id, domain_name, channel, phone_number, sender_number, request_id, type, instruction, name, state)
            VALUES (@id, @domain, @channel, @phoneNumber, @senderNumber, @requestId, @type, @instruction, @name, 'open')
            ON CONFLICT (domain_name, domain_id, channel, phone_number) DO UPDATE SET
                sender_number = excluded.sender_number, request_id = excluded.request_id, type = excluded.type,
                instruction = excluded.instruction, name = excluded.name, state = 'open', updated_at = now()
            """, new { id = Guid.NewGuid(), domain = domainName ?? "", channel, phoneNumber, senderNumber, requestId, type, instruction, name },
            cancellationToken: cancellationToken));
    }

    public async Task<SmsSession?> FindAsync(string? domainName, string channel, string phoneNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SmsSession>(new CommandDefinition(
            $$"""
            SELECT {{Columns.Of<SmsSession>()}} FROM sms_sessions WHERE domain_name = @domain AND channel = @channel AND phone_number = @phoneNumber
              AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domain)
            """,
            new { domain = domainName ?? "", channel, phoneNumber }, cancellationToken: cancellationToken));
    }

    /// <summary>The session a person's message to <paramref name="senderNumber"/> belongs to: how an inbound message finds its domain.</summary>
    public async Task<SmsSession?> FindBySenderAsync(string channel, string phoneNumber, string senderNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<SmsSession>(new CommandDefinition($$"""
            SELECT {{Columns.Of<SmsSession>()}} FROM sms_sessions WHERE channel = @channel AND phone_number = @phoneNumber AND sender_number = @senderNumber
              AND domain_id IS NOT DISTINCT FROM aventora_domain_id(domain_name)
            ORDER BY updated_at DESC LIMIT 1
            """, new { channel, phoneNumber, senderNumber }, cancellationToken: cancellationToken));
    }

    public async Task RecordInboundAsync(Guid sessionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sms_sessions SET last_inbound_at = GREATEST(coalesce(last_inbound_at, @at), @at), updated_at = now() WHERE id = @sessionId",
            new { sessionId, at }, cancellationToken: cancellationToken));
    }

    public async Task SetStateAsync(Guid sessionId, string state, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sms_sessions SET state = @state, updated_at = now() WHERE id = @sessionId", new { sessionId, state }, cancellationToken: cancellationToken));
    }
}
