using Dapper;
using Npgsql;

namespace Aventora.Persistence.Domains;

public sealed record ApiKeyRow(Guid Id, string DomainName, string KeyPrefix, string? Label, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>
/// The domain a key acts for, and how many domains of that name were deleted before it (<see cref="TenantKey"/>: the name
/// for the first, name~N after), so what the API derives from the domain never reaches an earlier tenant's rows.
/// </summary>
public sealed record KeyOwner(string DomainName, int Generation)
{
    public string TenantKey => Tenants.Key(DomainName, Generation);
}

/// <summary>The <c>api_keys</c> table: only hashes are kept.</summary>
public sealed class ApiKeyRepository(NpgsqlDataSource dataSource)
{
    public async Task InsertAsync(Guid id, string domainName, byte[] keyHash, string keyPrefix, string? label, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO api_keys (id, domain_name, key_hash, key_prefix, label) VALUES (@id, @domainName, @keyHash, @keyPrefix, @label)",
            new { id, domainName, keyHash, keyPrefix, label }, cancellationToken: cancellationToken));
    }

    /// <summary>The domain an unrevoked key with this hash acts for, or null.</summary>
    public async Task<KeyOwner?> FindDomainOfActiveKeyAsync(byte[] keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<KeyOwner?>(new CommandDefinition("""
            SELECT k.domain_name AS DomainName, d.generation AS Generation
            FROM api_keys k JOIN domains d ON d.name = k.domain_name
            WHERE k.key_hash = @keyHash AND k.revoked_at IS NULL
            """, new { keyHash }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ApiKeyRow>> ListAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRow>(new CommandDefinition(
            "SELECT id, domain_name, key_prefix, label, created_at, revoked_at FROM api_keys WHERE domain_name = @domainName ORDER BY created_at",
            new { domainName }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<bool> RevokeAsync(string domainName, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = now() WHERE id = @id AND domain_name = @domainName AND revoked_at IS NULL",
            new { id, domainName }, cancellationToken: cancellationToken)) == 1;
    }
}
