using Aventora.Persistence.Secrets;
using Dapper;
using Npgsql;

namespace Aventora.Persistence.Domains;

public sealed record DomainRow(string Name, string TechnicalJson, DateTime CreatedAt, DateTime UpdatedAt, bool CreditsEnforced);

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

    /// <summary>The domain whose technical_json names <paramref name="number"/> under <paramref name="numberKey"/> (with or without whatsapp:).</summary>
    public async Task<string?> FindByNumberAsync(string numberKey, string number, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT name FROM domains WHERE regexp_replace(technical_json ->> @numberKey, '^whatsapp:', '') = @number ORDER BY name LIMIT 1",
            new { numberKey, number }, cancellationToken: cancellationToken));
    }

    /// <summary>Creates the domain; false when the name is taken.</summary>
    public async Task<bool> TryCreateAsync(string name, string technicalJson, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO domains (name, technical_json) VALUES (@name, @technicalJson::jsonb) ON CONFLICT (name) DO NOTHING",
            new { name, technicalJson = SecretKeys.Protect(technicalJson, secrets) }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Replaces the metadata; false when there is no such domain.</summary>
    public async Task<bool> UpdateAsync(string name, string technicalJson, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE domains SET technical_json = @technicalJson::jsonb, updated_at = now() WHERE name = @name",
            new { name, technicalJson = SecretKeys.Protect(technicalJson, secrets) }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Turns credit enforcement on or off; false when there is no such domain.</summary>
    public async Task<bool> SetCreditsEnforcedAsync(string name, bool creditsEnforced, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE domains SET credits_enforced = @creditsEnforced, updated_at = now() WHERE name = @name",
            new { name, creditsEnforced }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM domains WHERE name = @name", new { name }, cancellationToken: cancellationToken)) == 1;
    }

    private DomainRow Revealed(DomainRow row) => row with { TechnicalJson = SecretKeys.Reveal(row.TechnicalJson, secrets) };
}
