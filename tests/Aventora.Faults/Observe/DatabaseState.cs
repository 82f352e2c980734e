using Dapper;
using Npgsql;

namespace Aventora.Faults.Observe;

/// <summary>One request as the database holds it, with what the ledger charged for it and whether credits are still held for it.</summary>
public sealed record RequestRow(
    Guid Id, string Channel, string Type, string Status, string? TwilioSid, string? ErrorCode, string? ErrorMessage, int? DurationSeconds,
    long Charged, int UsageEntries, string? Reservation);

/// <summary>The domain's credit account against its ledger and reservations: the totals must equal the sums.</summary>
public sealed record AccountTotals(long Balance, long Reserved, long LedgerSum, long HeldSum, int HeldCount);

/// <summary>Read-only SQL against the run's database: what Aventora believes happened.</summary>
public sealed class DatabaseState(string connectionString)
{
    public async Task<IReadOnlyDictionary<Guid, RequestRow>> RequestsAsync(string domainName, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var rows = await connection.QueryAsync<RequestRow>(new CommandDefinition("""
            SELECT c.id AS Id, c.channel AS Channel, c.type AS Type, c.status AS Status, c.twilio_sid AS TwilioSid, c.error_code AS ErrorCode,
                   c.error_message AS ErrorMessage, c.duration_seconds AS DurationSeconds,
                   COALESCE(u.charged, 0) AS Charged, COALESCE(u.entries, 0)::int AS UsageEntries, r.state AS Reservation
            FROM call_logs c
            LEFT JOIN (SELECT request_id, -SUM(credits) AS charged, COUNT(*) AS entries FROM credit_ledger
                       WHERE kind IN ('message', 'call') GROUP BY request_id) u ON u.request_id = c.id
            LEFT JOIN credit_reservations r ON r.request_id = c.id
            WHERE c.domain_name = @domainName
            """, new { domainName }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id);
    }

    public async Task<AccountTotals> TotalsAsync(string domainName, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleAsync<AccountTotals>(new CommandDefinition("""
            SELECT COALESCE(a.balance, 0) AS Balance, COALESCE(a.reserved, 0) AS Reserved,
                   (SELECT COALESCE(SUM(credits), 0) FROM credit_ledger WHERE domain_name = @domainName) AS LedgerSum,
                   (SELECT COALESCE(SUM(credits), 0) FROM credit_reservations WHERE domain_name = @domainName AND state = 'held') AS HeldSum,
                   (SELECT COUNT(*)::int FROM credit_reservations WHERE domain_name = @domainName AND state = 'held') AS HeldCount
            FROM (SELECT 1) one LEFT JOIN credit_accounts a ON a.domain_name = @domainName
            """, new { domainName }, cancellationToken: ct));
    }
}
