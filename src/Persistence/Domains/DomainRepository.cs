using System.Text.Json;
using Aventora.Persistence.Secrets;
using Dapper;
using Aventora.Persistence.Requests;
using Npgsql;

namespace Aventora.Persistence.Domains;

/// <summary>A sender number another domain already has: <see cref="Key"/> of <see cref="DomainName"/>.</summary>
public sealed record NumberConflict(string Number, string DomainName, string Key);

public sealed record DomainRow(string Name, string TechnicalJson, DateTime CreatedAt, DateTime UpdatedAt, bool CreditsEnforced);

/// <summary>A deleted domain: its id still keys its requests and ledger, which admins may read.</summary>
public sealed record DeletedDomainRow(Guid Id, string Name, DateTime? CreatedAt, DateTime DeletedAt, long RequestCount, long Balance);

/// <summary>
/// The <c>domains</c> table: each domain's metadata. Secrets in technical_json (<see cref="SecretKeys"/>) are encrypted on
/// the way in and decrypted on the way out, so callers see plain values and the column never holds one.
/// </summary>
public sealed class DomainRepository(NpgsqlDataSource dataSource, SecretProtector secrets)
{
    public async Task<DomainRow?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DomainRow>(new CommandDefinition(
            "SELECT name, technical_json::text AS technical_json, created_at, updated_at, credits_enforced FROM domains WHERE name = @name",
            new { name }, cancellationToken: cancellationToken));
        return row is null ? null : Revealed(row);
    }

    public async Task<IReadOnlyList<DomainRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DomainRow>(new CommandDefinition(
            "SELECT name, technical_json::text AS technical_json, created_at, updated_at, credits_enforced FROM domains ORDER BY name",
            cancellationToken: cancellationToken));
        return rows.Select(Revealed).ToList();
    }

    /// <summary>
    /// The domain whose technical_json names <paramref name="number"/> under <paramref name="numberKey"/> (with or without whatsapp:).
    /// Two containment probes, one per spelling, so the lookup an unauthenticated webhook triggers uses domains_technical_json
    /// (release 1.33.0) instead of reading every domain.
    /// </summary>
    public async Task<string?> FindByNumberAsync(string numberKey, string number, CancellationToken cancellationToken)
    {
        // Exactly one owner or none: rows from before numbers were unique may name a number twice, and then it is nobody's.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
            """
            SELECT min(name) FROM domains WHERE technical_json @> @plain::jsonb OR technical_json @> @whatsApp::jsonb
            HAVING count(*) = 1
            """,
            new { plain = NumberProbe(numberKey, number), whatsApp = NumberProbe(numberKey, "whatsapp:" + number) },
            cancellationToken: cancellationToken));
    }

    private static string NumberProbe(string numberKey, string value) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { [numberKey] = value });

    /// <summary>
    /// Creates the domain; not written when the name is taken, or when one of its sender numbers (<c>twilio_*_number</c>)
    /// already belongs to another domain (then <c>Conflict</c> names it).
    /// </summary>
    public async Task<(bool Written, NumberConflict? Conflict)> TryCreateAsync(string name, string technicalJson, CancellationToken cancellationToken) =>
        await WriteClaimingNumbersAsync(name, technicalJson,
            "INSERT INTO domains (name, technical_json) VALUES (@name, @technicalJson::jsonb) ON CONFLICT (name) DO NOTHING", cancellationToken);

    /// <summary>Replaces the metadata; not written when there is no such domain or a sender number belongs to another domain.</summary>
    public async Task<(bool Written, NumberConflict? Conflict)> UpdateAsync(string name, string technicalJson, CancellationToken cancellationToken) =>
        await WriteClaimingNumbersAsync(name, technicalJson,
            "UPDATE domains SET technical_json = @technicalJson::jsonb, updated_at = now() WHERE name = @name", cancellationToken);

    // Any fixed number: every writer of sender numbers takes this lock, so two domains saved at once cannot both claim one.
    private const long SenderNumbersLockKey = 0x41_76_4E_75_6D_62_65_72; // "AvNumber"

    private async Task<(bool Written, NumberConflict? Conflict)> WriteClaimingNumbersAsync(
        string name, string technicalJson, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var numbers = SenderNumbers(technicalJson);
        if (numbers.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@key)", new { key = SenderNumbersLockKey }, transaction, cancellationToken: cancellationToken));
            var conflict = await connection.QueryFirstOrDefaultAsync<NumberConflict>(new CommandDefinition("""
                SELECT n.number AS "Number", d.name AS "DomainName", kv.key AS "Key"
                FROM domains d CROSS JOIN LATERAL jsonb_each_text(d.technical_json) kv
                JOIN unnest(@numbers) AS n(number) ON regexp_replace(kv.value, '^whatsapp:', '') = n.number
                WHERE d.name <> @name AND kv.key LIKE 'twilio\_%number'
                ORDER BY d.name LIMIT 1
                """, new { name, numbers }, transaction, cancellationToken: cancellationToken));
            if (conflict is not null) return (false, conflict);
        }
        var written = await connection.ExecuteAsync(new CommandDefinition(
            sql, new { name, technicalJson = SecretKeys.Protect(technicalJson, secrets) }, transaction, cancellationToken: cancellationToken)) == 1;
        await transaction.CommitAsync(cancellationToken);
        return (written, null);
    }

    /// <summary>The sender numbers a technical_json names (<c>twilio_sms_number</c>, ...), as E.164 without <c>whatsapp:</c>.</summary>
    public static string[] SenderNumbers(string technicalJson) =>
        (JsonSerializer.Deserialize<Dictionary<string, string?>>(technicalJson) ?? [])
            .Where(kv => IsSenderNumberKey(kv.Key) && !string.IsNullOrWhiteSpace(kv.Value))
            .Select(kv => StripWhatsApp(kv.Value!))
            .Distinct()
            .ToArray();

    public static bool IsSenderNumberKey(string key) => key.StartsWith("twilio_", StringComparison.Ordinal) && key.EndsWith("_number", StringComparison.Ordinal);

    private static string StripWhatsApp(string number)
    {
        var trimmed = number.Trim();
        return trimmed.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase) ? trimmed["whatsapp:".Length..].Trim() : trimmed;
    }

    /// <summary>Turns credit enforcement on or off; false when there is no such domain.</summary>
    public async Task<bool> SetCreditsEnforcedAsync(string name, bool creditsEnforced, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE domains SET credits_enforced = @creditsEnforced, updated_at = now() WHERE name = @name",
            new { name, creditsEnforced }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Deletes the domain: its row moves to <c>deleted_domains</c> (without secrets), its keys, mailbox and status webhook go, its
    /// held requests are cancelled, and its data stays
    /// under its id for audit, so a domain created again under this name is a new tenant with nothing in it.
    /// </summary>
    // Its webhook goes with it (and its requests cancelled here send it no event); requests still waiting for their time
    // (send_at, quiet hours, their sender's pace) will not go.
    private static readonly string DeleteSql = RequestTransitions.Update("'cancelled'",
        "error_message = 'The domain was deleted before the request went: nothing was sent or charged.'",
        "c.id = held.request_id", "SELECT count(*)::int FROM kept", from: "held", webhooks: false,
        with: """
            gone AS (DELETE FROM domains WHERE name = @name RETURNING id, name, generation, created_at, credits_enforced),
            kept AS (INSERT INTO deleted_domains (id, name, generation, created_at, credits_enforced)
                     SELECT id, name, generation, created_at, credits_enforced FROM gone RETURNING 1),
            webhook_gone AS (DELETE FROM status_webhooks w USING gone WHERE w.domain_name = gone.name),
            -- Events not yet delivered were the deleted tenant's: none may reach a tenant that takes the name next.
            undelivered_gone AS (DELETE FROM status_webhook_deliveries d USING gone
                                 WHERE d.domain_name = gone.name AND d.status IN ('pending', 'failing')),
            held AS (DELETE FROM outbound_holds h USING gone WHERE h.domain_name = gone.name RETURNING h.request_id)
            """);

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(DeleteSql, new { name }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The live domain's <see cref="Tenants.Key"/>, or null when there is no such domain.</summary>
    public async Task<string?> FindTenantKeyAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var generation = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            "SELECT generation FROM domains WHERE name = @name", new { name }, cancellationToken: cancellationToken));
        return generation is { } g ? Tenants.Key(name, g) : null;
    }

    /// <summary>Deleted domains, newest first: what an admin reads to reach a deleted tenant's history.</summary>
    public async Task<IReadOnlyList<DeletedDomainRow>> ListDeletedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeletedDomainRow>(new CommandDefinition("""
            SELECT x.id AS Id, x.name AS Name, x.created_at AS CreatedAt, x.deleted_at AS DeletedAt,
                   (SELECT count(*) FROM call_logs c WHERE c.domain_id = x.id) AS RequestCount,
                   COALESCE((SELECT a.balance FROM credit_accounts a WHERE a.domain_id = x.id), 0) AS Balance
            FROM deleted_domains x ORDER BY x.deleted_at DESC
            """, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    private DomainRow Revealed(DomainRow row) => row with { TechnicalJson = SecretKeys.Reveal(row.TechnicalJson, secrets) };
}
