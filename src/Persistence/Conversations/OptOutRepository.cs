using Dapper;
using Npgsql;

namespace Aventora.Persistence.Conversations;

/// <summary>The <c>opt_outs</c> table: per domain and number.</summary>
public sealed class OptOutRepository(NpgsqlDataSource dataSource)
{
    public const string Keyword = "keyword";
    public const string TwilioUnsubscribed = "twilio_21610";

    public async Task OptOutAsync(string? domainName, string phoneNumber, string source, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO opt_outs (domain_name, phone_number, source) VALUES (@domain, @phoneNumber, @source) ON CONFLICT DO NOTHING",
            new { domain = domainName ?? "", phoneNumber, source }, cancellationToken: cancellationToken));
    }

    public async Task OptInAsync(string? domainName, string phoneNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM opt_outs WHERE domain_name = @domain AND phone_number = @phoneNumber",
            new { domain = domainName ?? "", phoneNumber }, cancellationToken: cancellationToken));
    }

    public async Task<bool> IsOptedOutAsync(string? domainName, string phoneNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE domain_name = @domain AND phone_number = @phoneNumber)",
            new { domain = domainName ?? "", phoneNumber }, cancellationToken: cancellationToken));
    }
}
