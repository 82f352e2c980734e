using Dapper;
using Npgsql;

namespace Aventora.Persistence.Conversations;

/// <summary>
/// Opt-outs at two levels: <c>opt_outs</c> per domain and number, and <c>sender_opt_outs</c> per sender number and person
/// (Twilio's rule: STOP blocks the number it was sent to, whichever domain sends from it). Either one blocks a send.
/// </summary>
public sealed class OptOutRepository(NpgsqlDataSource dataSource)
{
    public const string Keyword = "keyword";
    public const string TwilioUnsubscribed = "twilio_21610";

    /// <summary>Opts the person out of the domain and, when known, of the sender number they said STOP to.</summary>
    public async Task OptOutAsync(string? domainName, string phoneNumber, string? senderNumber, string source, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO opt_outs (domain_name, phone_number, source) VALUES (@domain, @phoneNumber, @source) ON CONFLICT DO NOTHING;
            INSERT INTO sender_opt_outs (sender_number, phone_number, source)
            SELECT @senderNumber, @phoneNumber, @source WHERE @senderNumber IS NOT NULL ON CONFLICT DO NOTHING;
            """, new { domain = domainName ?? "", phoneNumber, senderNumber, source }, cancellationToken: cancellationToken));
    }

    /// <summary>Twilio reported the request's recipient unsubscribed (21610): the domain, and the number the request was sent from.</summary>
    public async Task OptOutOfRequestAsync(Guid requestId, string source, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO opt_outs (domain_name, domain_id, phone_number, source)
            SELECT coalesce(domain_name, ''), domain_id, phone_number, @source FROM call_logs WHERE id = @requestId ON CONFLICT DO NOTHING;
            INSERT INTO sender_opt_outs (sender_number, phone_number, source)
            SELECT attempt_from, phone_number, @source FROM call_logs WHERE id = @requestId AND attempt_from IS NOT NULL ON CONFLICT DO NOTHING;
            """, new { requestId, source }, cancellationToken: cancellationToken));
    }

    /// <summary>START: the person may hear from the domain, and from the sender number, again.</summary>
    public async Task OptInAsync(string? domainName, string phoneNumber, string? senderNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM opt_outs WHERE domain_name = @domain AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domain) AND phone_number = @phoneNumber;
            DELETE FROM sender_opt_outs WHERE sender_number = @senderNumber AND phone_number = @phoneNumber;
            """, new { domain = domainName ?? "", phoneNumber, senderNumber }, cancellationToken: cancellationToken));
    }

    public async Task<bool> IsOptedOutAsync(string? domainName, string phoneNumber, string? senderNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM opt_outs WHERE domain_name = @domain AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domain) AND phone_number = @phoneNumber)
                OR EXISTS (SELECT 1 FROM sender_opt_outs WHERE sender_number = @senderNumber AND phone_number = @phoneNumber)
            """, new { domain = domainName ?? "", phoneNumber, senderNumber }, cancellationToken: cancellationToken));
    }
}
