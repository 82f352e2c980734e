using System.Data;
using Aventora.Contracts.Billing;
using Dapper;
using Npgsql;

namespace Aventora.Billing.Credits;

/// <summary>Credits to hold for a request of a domain.</summary>
public sealed record CreditHold(string DomainName, Guid RequestId, int Credits);

/// <summary>How a reservation attempt ended.</summary>
public sealed record ReservationResult(bool Reserved, bool Enforced, long Available)
{
    public static ReservationResult NotEnforced => new(true, false, 0);
}

public sealed record CreditBalance(string DomainName, long Balance, long Reserved, long Available, bool CreditsEnforced);

public sealed record LedgerEntry(
    Guid EntryId, string Kind, int Credits, Guid? RequestId, string? Channel, string? Type, string? TwilioSid, string? Reason,
    DateTime OccurredAt, DateTime RecordedAt);

/// <summary>A held reservation whose request is settled, with what decides between billing it and releasing it.</summary>
public sealed record HeldForSettledRequest
{
    public required Guid RequestId { get; init; }
    public required string DomainName { get; init; }
    public required string Channel { get; init; }
    public required string Type { get; init; }
    public required string Status { get; init; }
    public string? TwilioSid { get; init; }
    public int? DurationSeconds { get; init; }
}

public sealed record LedgerPage(long Total, IReadOnlyList<LedgerEntry> Entries);

/// <summary>
/// A domain's credits: the ledger (<c>credit_ledger</c>, whose sum is the balance), the credits held for requests on their way
/// (<c>credit_reservations</c>) and one row per domain (<c>credit_accounts</c>) that every change locks first, so concurrent
/// reservations can never promise more than the balance holds. The hot changes (reserve, use, release) are single calls of
/// server-side functions (migration 1.19.0), so the lock is held for one statement, not across client round trips.
/// </summary>
public sealed class CreditRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Holds <paramref name="credits"/> of the domain's available credits for the request, as <see cref="ReserveManyAsync"/> does
    /// for a group of one. A request already holding (or having used) a reservation gets it again: a redelivery reserves nothing
    /// twice. A domain with enforcement off is not checked and nothing is held.
    /// </summary>
    public async Task<ReservationResult> ReserveAsync(string domainName, Guid requestId, int credits, CancellationToken cancellationToken) =>
        (await ReserveManyAsync([new CreditHold(domainName, requestId, credits)], cancellationToken))[requestId];

    /// <summary>
    /// Holds each request's credits, in the order given, in one round trip that locks each domain's account once for the whole
    /// group (accounts in name order, so two groups never wait on each other in a circle): concurrent reservations can never
    /// promise more than the balance holds. Within a domain the holds are taken in order until the first that does not fit;
    /// it and those after it are refused (each told what was left). A request already holding a reservation (a redelivery, or
    /// the same request twice in the group) is answered reserved and holds nothing more. One result per request id.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, ReservationResult>> ReserveManyAsync(IReadOnlyList<CreditHold> holds, CancellationToken cancellationToken)
    {
        var group = holds.DistinctBy(h => h.RequestId).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var domains = group.Select(h => h.DomainName).ToArray();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO credit_accounts (domain_name, domain_id)
            SELECT DISTINCT d.name, aventora_domain_id(d.name) FROM unnest($1::varchar[]) AS d(name) ON CONFLICT DO NOTHING
            """) { Parameters = { new NpgsqlParameter { Value = domains } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH input AS (
                SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::integer[]) WITH ORDINALITY AS i(domain_name, request_id, credits, ord)),
            tenant AS (
                SELECT i.*, aventora_domain_id(i.domain_name) AS domain_id,
                       COALESCE((SELECT d.credits_enforced FROM domains d WHERE d.name = i.domain_name), true) AS enforced
                FROM input i),
            locked AS (
                SELECT a.domain_name, a.domain_id, a.balance - a.reserved AS available FROM credit_accounts a
                WHERE EXISTS (SELECT 1 FROM tenant t WHERE t.enforced AND t.domain_name = a.domain_name AND t.domain_id IS NOT DISTINCT FROM a.domain_id)
                ORDER BY a.domain_name, a.domain_id FOR UPDATE),
            held AS (
                SELECT t.*, l.available, EXISTS (SELECT 1 FROM credit_reservations r WHERE r.request_id = t.request_id) AS already
                FROM tenant t LEFT JOIN locked l ON l.domain_name = t.domain_name AND l.domain_id IS NOT DISTINCT FROM t.domain_id),
            ranked AS (
                SELECT h.*, sum(h.credits) OVER (PARTITION BY h.domain_name, h.domain_id ORDER BY h.ord) AS needed
                FROM held h WHERE h.enforced AND NOT h.already),
            fits AS (
                SELECT r.* FROM ranked r
                WHERE r.needed <= r.available
                  AND NOT EXISTS (SELECT 1 FROM ranked x WHERE x.domain_name = r.domain_name AND x.domain_id IS NOT DISTINCT FROM r.domain_id
                                                         AND x.ord < r.ord AND x.needed > x.available)),
            inserted AS (
                INSERT INTO credit_reservations (request_id, domain_name, domain_id, credits)
                SELECT request_id, domain_name, domain_id, credits FROM fits ON CONFLICT DO NOTHING
                RETURNING request_id, domain_name, domain_id, credits),
            accounts AS (
                UPDATE credit_accounts a SET reserved = a.reserved + s.credits, updated_at = now()
                FROM (SELECT domain_name, domain_id, sum(credits) AS credits FROM inserted GROUP BY 1, 2) s
                WHERE a.domain_name = s.domain_name AND a.domain_id IS NOT DISTINCT FROM s.domain_id)
            SELECT h.request_id, NOT h.enforced OR h.already OR EXISTS (SELECT 1 FROM fits f WHERE f.request_id = h.request_id) AS reserved,
                   h.enforced,
                   COALESCE(h.available, 0) - COALESCE((SELECT sum(f.credits) FROM fits f
                                                         WHERE f.domain_name = h.domain_name AND f.domain_id IS NOT DISTINCT FROM h.domain_id), 0) AS available
            FROM held h
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = domains },
                new NpgsqlParameter { Value = group.Select(h => h.RequestId).ToArray() },
                new NpgsqlParameter { Value = group.Select(h => h.Credits).ToArray() },
            },
        });
        var results = new Dictionary<Guid, ReservationResult>(group.Length);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            if (reader.FieldCount != 4) continue;
            while (await reader.ReadAsync(cancellationToken))
                results[reader.GetGuid(0)] = reader.GetBoolean(2)
                    ? new ReservationResult(reader.GetBoolean(1), true, reader.GetInt64(3))
                    : ReservationResult.NotEnforced;
        } while (await reader.NextResultAsync(cancellationToken));
        return results;
    }

    /// <summary>Writes the usage to the ledger once (its id is unique) and settles the request's reservation; false for a duplicate.</summary>
    public async Task<bool> RecordUsageAsync(UsageRecorded usage, CancellationToken cancellationToken) =>
        (await RecordUsagesAsync([usage], cancellationToken)).Contains(usage.UsageId);

    /// <summary>
    /// Writes a batch of usages to the ledger, each once (its id is unique), settles their requests' reservations, and moves each
    /// domain's account once for the whole batch: one round trip (three statements in one implicit transaction) and one lock per
    /// domain account per batch instead of one per usage. Each usage bills the tenant its request was made for, as
    /// <see cref="RecordUsageAsync"/> does: its reservation's, else its log's, else the live domain's. Accounts are locked in
    /// name order, so two batches never wait on each other in a circle. Returns the ids written now (a duplicate is left out).
    /// </summary>
    public async Task<IReadOnlySet<Guid>> RecordUsagesAsync(IReadOnlyCollection<UsageRecorded> usages, CancellationToken cancellationToken)
    {
        var distinct = usages.DistinctBy(u => u.UsageId).ToArray();
        if (distinct.Length == 0) return new HashSet<Guid>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(UsageCommand("""
            INSERT INTO credit_accounts (domain_name, domain_id) SELECT DISTINCT domain_name, domain_id FROM usage ON CONFLICT DO NOTHING
            """, distinct));
        batch.BatchCommands.Add(UsageCommand("""
            SELECT 1 FROM credit_accounts a
            WHERE EXISTS (SELECT 1 FROM usage u WHERE u.domain_name = a.domain_name AND u.domain_id IS NOT DISTINCT FROM a.domain_id)
            ORDER BY a.domain_name, a.domain_id FOR UPDATE OF a
            """, distinct));
        batch.BatchCommands.Add(UsageCommand("""
            , ledger AS (
                INSERT INTO credit_ledger (entry_id, domain_name, domain_id, kind, credits, request_id, channel, type, twilio_sid, occurred_at)
                SELECT entry_id, domain_name, domain_id, kind, -credits, request_id, channel, type, twilio_sid, occurred_at FROM usage
                ON CONFLICT (entry_id) DO NOTHING
                RETURNING entry_id, domain_name, domain_id, -credits AS used, request_id),
            settled AS (
                UPDATE credit_reservations r SET state = 'settled', closed_at = now()
                FROM (SELECT DISTINCT COALESCE(u.hold_id, l.request_id) AS held_for, l.domain_name, l.domain_id
                      FROM ledger l JOIN usage u ON u.entry_id = l.entry_id) l
                WHERE r.request_id = l.held_for AND r.state = 'held'
                RETURNING l.domain_name, l.domain_id, r.credits),
            moves AS (
                SELECT domain_name, domain_id, sum(used) AS used, 0::bigint AS released FROM ledger GROUP BY 1, 2
                UNION ALL
                SELECT domain_name, domain_id, 0, sum(credits) FROM settled GROUP BY 1, 2),
            accounts AS (
                UPDATE credit_accounts a SET balance = a.balance - m.used, reserved = a.reserved - m.released, updated_at = now()
                FROM (SELECT domain_name, domain_id, sum(used) AS used, sum(released) AS released FROM moves GROUP BY 1, 2) m
                WHERE a.domain_name = m.domain_name AND a.domain_id IS NOT DISTINCT FROM m.domain_id)
            SELECT entry_id FROM ledger
            """, distinct));
        var written = new HashSet<Guid>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            if (reader.FieldCount == 1 && reader.GetName(0) == "entry_id")
                while (await reader.ReadAsync(cancellationToken)) written.Add(reader.GetGuid(0));
        } while (await reader.NextResultAsync(cancellationToken));
        return written;
    }

    // The batch's usages as rows, with the tenant each bills (the same rule as aventora_record_usage); every statement of
    // RecordUsagesAsync starts from it.
    private static NpgsqlBatchCommand UsageCommand(string statement, UsageRecorded[] usages)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH input AS (
                SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::integer[], $5::uuid[], $6::varchar[], $7::varchar[],
                                     $8::varchar[], $9::timestamptz[], $10::uuid[])
                    AS u(entry_id, domain_name, kind, credits, request_id, channel, type, twilio_sid, occurred_at, hold_id)),
            usage AS (
                SELECT i.*, COALESCE((SELECT r.domain_id FROM credit_reservations r WHERE r.request_id = COALESCE(i.hold_id, i.request_id)),
                                     (SELECT c.domain_id FROM call_logs c WHERE c.id = i.request_id),
                                     aventora_domain_id(i.domain_name)) AS domain_id
                FROM input i)
            {statement}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.UsageId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.DomainName).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.Credits).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.RequestId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.Channel).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.Type).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.TwilioSid).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.OccurredAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = usages.Select(u => u.HoldId).ToArray() });
        return command;
    }

    /// <summary>Gives a failed or unconnected request's held credits back; false when nothing was held (already settled or released).</summary>
    public async Task<bool> ReleaseAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT aventora_release_credits(@requestId)", new { requestId }, cancellationToken: cancellationToken));
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
            "UPDATE credit_accounts SET balance = balance + @credits, updated_at = now() WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName)",
            new { domainName, credits }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The balance is the sum of the ledger; the reserved credits are those held for requests on their way.</summary>
    public async Task<CreditBalance> GetBalanceAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (balance, reserved, enforced) = await connection.QuerySingleAsync<(long, long, bool)>(new CommandDefinition("""
            SELECT (SELECT COALESCE(SUM(credits), 0)::bigint FROM credit_ledger WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName)),
                   (SELECT COALESCE(SUM(credits), 0)::bigint FROM credit_reservations WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName) AND state = 'held'),
                   COALESCE((SELECT credits_enforced FROM domains WHERE name = @domainName), true)
            """, new { domainName }, cancellationToken: cancellationToken));
        return new CreditBalance(domainName, balance, reserved, balance - reserved, enforced);
    }

    /// <summary>One page of the domain's ledger, newest first.</summary>
    public async Task<LedgerPage> GetLedgerAsync(string domainName, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM credit_ledger WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName)", new { domainName }, cancellationToken: cancellationToken));
        var entries = await connection.QueryAsync<LedgerEntry>(new CommandDefinition("""
            SELECT entry_id, kind, credits, request_id, channel, type, twilio_sid, reason, occurred_at, recorded_at
            FROM credit_ledger WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName) ORDER BY seq DESC LIMIT @pageSize OFFSET @offset
            """, new { domainName, pageSize, offset = (long)(page - 1) * pageSize }, cancellationToken: cancellationToken));
        return new LedgerPage(total, entries.AsList());
    }

    /// <summary>
    /// Credits still held for requests of <paramref name="channels"/> that reached a final status more than <paramref name="after"/>
    /// ago: what a lost usage or release left behind. Whoever settles them must do so idempotently (several sweepers may run).
    /// </summary>
    public async Task<IReadOnlyList<HeldForSettledRequest>> FindHeldForSettledAsync(
        string[] channels, string[] finalStatuses, TimeSpan after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<HeldForSettledRequest>(new CommandDefinition("""
            SELECT r.request_id AS RequestId, c.domain_name AS DomainName, c.channel AS Channel, c.type AS Type, c.status AS Status,
                   c.twilio_sid AS TwilioSid, c.duration_seconds AS DurationSeconds
            FROM credit_reservations r JOIN call_logs c ON c.id = r.request_id
            WHERE r.state = 'held' AND c.channel = ANY(@channels)
              AND (c.status = ANY(@finalStatuses) OR (c.channel IN ('sms', 'wmsg') AND c.status IN ('delivered', 'read')))
              AND c.updated_at < now() - @after
            ORDER BY r.created_at LIMIT @limit
            """, new { channels, finalStatuses, after, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    private sealed record Account(long Balance, long Reserved);

    // Every change to a domain's credits takes this lock first, so they happen one after the other.
    private static async Task<Account> LockAccountAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string domainName, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO credit_accounts (domain_name) VALUES (@domainName) ON CONFLICT DO NOTHING",
            new { domainName }, transaction, cancellationToken: cancellationToken));
        return await connection.QuerySingleAsync<Account>(new CommandDefinition(
            "SELECT balance, reserved FROM credit_accounts WHERE domain_name = @domainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@domainName) FOR UPDATE",
            new { domainName }, transaction, cancellationToken: cancellationToken));
    }
}
