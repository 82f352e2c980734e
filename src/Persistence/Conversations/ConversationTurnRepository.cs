using Dapper;
using Npgsql;

namespace Aventora.Persistence.Conversations;

/// <summary>The <c>conversation_turns</c> table: every message and call turn each way, per request.</summary>
public sealed class ConversationTurnRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Records what the person said; false when this message (its Twilio SID) was recorded before: a redelivery.</summary>
    public async Task<bool> TryRecordPersonAsync(Guid requestId, string text, string? twilioSid, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO conversation_turns (request_id, speaker, text, twilio_sid) VALUES (@requestId, 'person', @text, @twilioSid)
            ON CONFLICT (twilio_sid) WHERE speaker = 'person' AND twilio_sid IS NOT NULL DO NOTHING
            """, new { requestId, text, twilioSid }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Claims the one assistant turn that answers <paramref name="inReplyTo"/> (null for an opening or a call turn);
    /// returns its id, or null when that reply was already claimed.
    /// </summary>
    public async Task<long?> TryClaimAssistantAsync(Guid requestId, string text, string? inReplyTo, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition("""
            INSERT INTO conversation_turns (request_id, speaker, text, in_reply_to) VALUES (@requestId, 'assistant', @text, @inReplyTo)
            ON CONFLICT (in_reply_to) WHERE in_reply_to IS NOT NULL DO NOTHING
            RETURNING id
            """, new { requestId, text, inReplyTo }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Writes a request's opening turn before Twilio is asked to send it, so a person answering at once is transcribed after it;
    /// a retry before Twilio was called replaces the text (an assistant may word it anew). Returns the turn's id.
    /// </summary>
    public async Task<long> WriteOpeningAsync(Guid requestId, string text, string key, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO conversation_turns (request_id, speaker, text, in_reply_to) VALUES (@requestId, 'assistant', @text, @key)
            ON CONFLICT (in_reply_to) WHERE in_reply_to IS NOT NULL
            DO UPDATE SET text = CASE WHEN conversation_turns.twilio_sid IS NULL THEN excluded.text ELSE conversation_turns.text END
            RETURNING id
            """, new { requestId, text, key }, cancellationToken: cancellationToken));
    }

    /// <summary>The opening turn <paramref name="key"/> went out as <paramref name="twilioSid"/>.</summary>
    public async Task SetOpeningSidAsync(string key, string twilioSid, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE conversation_turns SET twilio_sid = @twilioSid WHERE in_reply_to = @key AND twilio_sid IS NULL",
            new { key, twilioSid }, cancellationToken: cancellationToken));
    }

    public async Task SetTwilioSidAsync(long turnId, string twilioSid, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE conversation_turns SET twilio_sid = @twilioSid WHERE id = @turnId", new { turnId, twilioSid }, cancellationToken: cancellationToken));
    }

    /// <summary>Gives back a claimed reply that could not be sent, so a retry can send it.</summary>
    public async Task ReleaseAsync(long turnId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM conversation_turns WHERE id = @turnId", new { turnId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ConversationTurn>> ListAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var turns = await connection.QueryAsync<ConversationTurn>(new CommandDefinition(
            "SELECT speaker, text, created_at FROM conversation_turns WHERE request_id = @requestId ORDER BY id",
            new { requestId }, cancellationToken: cancellationToken));
        return turns.AsList();
    }
}
