using System.Data;
using Aventora.Contracts.Billing;
using Dapper;
using Npgsql;

namespace Aventora.Billing.Credits;

/// <summary>How a reservation attempt ended.</summary>
public sealed record ReservationResult(bool Reserved, bool Enforced, long Available)
{
    public static ReservationResult NotEnforced => new(true, false, 0);
}

public sealed record CreditBalance(string DomainName, long Balance, long Reserved, long Available, bool CreditsEnforced);

public sealed record LedgerEntry(
    Guid EntryId, string Kind, int Credits, Guid? RequestId, string? Channel, string? Type, string? TwilioSid, string? Reason,
    DateTime OccurredAt, DateTime RecordedAt);

public sealed record LedgerPage(long Total, IReadOnlyList<LedgerEntry> Entries);

/// <summary>
/// A domain's credits: the ledger (<c>credit_ledger</c>, whose sum is the balance), the credits held for requests on their way
/// (<c>credit_reservations</c>) and one row per domain (<c>credit_accounts</c>) that every change locks first, so concurrent
/// reservations are decided one after the other and can never promise more than the balance holds.
/// </summary>
public sealed class CreditRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Holds <paramref name="credits"/> of the domain's available credits for the request, in one transaction under the domain's lock.
    /// A request already holding (or having used) a reservation gets it again: a redelivery reserves nothing twice.
    /// A domain with enforcement off is not checked and nothing is held.
    /// </summary>
    public async Task<ReservationResult> ReserveAsync(string domainName, Guid requestId, int credits, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var account = await LockAccountAsync(connection, transaction, domainName, cancellationToken);
        var enforced = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT COALESCE((SELECT credits_enforced FROM domains WHERE name = @domainName), true)",
            new { domainName }, transaction, cancellationToken: cancellationToken));
        if (!enforced) return ReservationResult.NotEnforced;

        var available = account.Balance - account.Reserved;
        var existing = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM credit_reservations WHERE request_id = @requestId", new { requestId }, transaction, cancellationToken: cancellationToken));
        if (existing is not null) return new ReservationResult(true, true, available);
        if (available < credits) return new ReservationResult(false, true, available);

        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO credit_reservations (request_id, domain_name, credits) VALUES (@requestId, @domainName, @credits);
            UPDATE credit_accounts SET reserved = reserved + @credits, updated_at = now() WHERE domain_name = @domainName;
            """, new { requestId, domainName, credits }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new ReservationResult(true, true, available - credits);
    }

    /// <summary>Writes the usage to the ledger once (its id is unique) and settles the request's reservation; false for a duplicate.</summary>
    public async Task<bool> RecordUsageAsync(UsageRecorded usage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await LockAccountAsync(connection, transaction, usage.DomainName, cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO credit_ledger (entry_id, domain_name, kind, credits, request_id, channel, type, twilio_sid, occurred_at)
            VALUES (@UsageId, @DomainName, @Kind, -@Credits, @RequestId, @Channel, @Type, @TwilioSid, @OccurredAt)
            ON CONFLICT (entry_id) DO NOTHING
            """, new
            {
                usage.UsageId, usage.DomainName, usage.Kind, usage.Credits, usage.RequestId, usage.Channel, usage.Type, usage.TwilioSid,
                OccurredAt = usage.OccurredAt.ToUniversalTime(),
            }, transaction, cancellationToken: cancellationToken));
        if (inserted == 0) return false;

        var settled = await connection.ExecuteScalarAsync<int?>(new CommandDefinition("""
            UPDATE credit_reservations SET state = 'settled', closed_at = now()
            WHERE request_id = @RequestId AND state = 'held' RETURNING credits
            """, new { usage.RequestId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE credit_accounts SET balance = balance - @credits, reserved = reserved - @settled, updated_at = now() WHERE domain_name = @domainName
            """, new { credits = usage.Credits, settled = settled ?? 0, domainName = usage.DomainName }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Gives a failed or unconnected request's held credits back; false when nothing was held (already settled or released).</summary>
    public async Task<bool> ReleaseAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var domainName = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT domain_name FROM credit_reservations WHERE request_id = @requestId AND state = 'held'",
            new { requestId }, cancellationToken: cancellationToken));
        if (domainName is null) return false;

        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await LockAccountAsync(connection, transaction, domainName, cancellationToken);
        var released = await connection.ExecuteScalarAsync<int?>(new CommandDefinition("""
            UPDATE credit_reservations SET state = 'released', closed_at = now()
            WHERE request_id = @requestId AND state = 'held' RETURNING credits
            """, new { requestId }, transaction, cancellationToken: cancellationToken));
        if (released is null) return false;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE credit_accounts SET reserved = reserved - @released, updated_at = now() WHERE domain_name = @domainName",
            new { released, domainName }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Adds credits to the domain's ledger; returns the entry's id.</summary>
    public async Task<Guid> GrantAsync(string domainName, int credits, string reason, CancellationToken cancellationToken)
    {
        var entryId = Guid.NewGuid();
        await GrantOnceAsync(entryId, domainName, credits, reason, cancellationToken);
        return entryId;
    }

    /// <summary>
    /// Adds credits under the given entry id, once: false (and nothing changed) when the ledger already holds that entry,
    /// as it does for a client's retried grant (the id derives from its Idempotency-Key).
    /// </summary>
    public async Task<bool> GrantOnceAsync(Guid entryId, string domainName, int credits, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await LockAccountAsync(connection, transaction, domainName, cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO credit_ledger (entry_id, domain_name, kind, credits, reason, occurred_at) VALUES (@entryId, @domainName, 'grant', @credits, @reason, now())
            ON CONFLICT (entry_id) DO NOTHING
            """, new { entryId, domainName, credits, reason }, transaction, cancellationToken: cancellationToken));
        if (inserted == 0) return false;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE credit_accounts SET balance = balance + @credits, updated_at = now() WHERE domain_name = @domainName",
            new { domainName, credits }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The balance is the sum of the ledger; the reserved credits are those held for requests on their way.</summary>
    public async Task<CreditBalance> GetBalanceAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (balance, reserved, enforced) = await connection.QuerySingleAsync<(long, long, bool)>(new CommandDefinition("""
            SELECT (SELECT COALESCE(SUM(credits), 0)::bigint FROM credit_ledger WHERE domain_name = @domainName),
                   (SELECT COALESCE(SUM(credits), 0)::bigint FROM credit_reservations WHERE domain_name = @domainName AND state = 'held'),
                   COALESCE((SELECT credits_enforced FROM domains WHERE name = @domainName), true)
            """, new { domainName }, cancellationToken: cancellationToken));
        return new CreditBalance(domainName, balance, reserved, balance - reserved, enforced);
    }

    /// <summary>One page of the domain's ledger, newest first.</summary>
    public async Task<LedgerPage> GetLedgerAsync(string domainName, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM credit_ledger WHERE domain_name = @domainName", new { domainName }, cancellationToken: cancellationToken));
        var entries = await connection.QueryAsync<LedgerEntry>(new CommandDefinition("""
            SELECT entry_id, kind, credits, request_id, channel, type, twilio_sid, reason, occurred_at, recorded_at
            FROM credit_ledger WHERE domain_name = @domainName ORDER BY seq DESC LIMIT @pageSize OFFSET @offset
            """, new { domainName, pageSize, offset = (long)(page - 1) * pageSize }, cancellationToken: cancellationToken));
        return new LedgerPage(total, entries.AsList());
    }

    private sealed record Account(long Balance, long Reserved);

    // Every change to a domain's credits takes this lock first, so they happen one after the other.
    private static async Task<Account> LockAccountAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string domainName, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO credit_accounts (domain_name) VALUES (@domainName) ON CONFLICT (domain_name) DO NOTHING",
            new { domainName }, transaction, cancellationToken: cancellationToken));
        return await connection.QuerySingleAsync<Account>(new CommandDefinition(
            "SELECT balance, reserved FROM credit_accounts WHERE domain_name = @domainName FOR UPDATE",
            new { domainName }, transaction, cancellationToken: cancellationToken));
    }
}
