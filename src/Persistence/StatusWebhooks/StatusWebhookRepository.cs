using Aventora.Persistence.Secrets;
using Dapper;
using Npgsql;

namespace Aventora.Persistence.StatusWebhooks;

/// <summary>A domain's status webhook; <see cref="SigningSecret"/> is the revealed secret, for signing only, never answered or logged.</summary>
public sealed record StatusWebhook(string DomainName, string Url, string SigningSecret, DateTime CreatedAt, DateTime UpdatedAt, DateTime SecretRotatedAt)
{
    /// <summary>Never the signing secret: a record's generated ToString would print it into any log or exception that shows it.</summary>
    public override string ToString() => $"StatusWebhook {{ DomainName = {DomainName}, Url = {Url}, SigningSecret = (hidden) }}";
}

/// <summary>The <c>status_webhooks</c> table: where a domain wants its status events, and the secret they are signed with (encrypted at rest).</summary>
public sealed class StatusWebhookRepository(NpgsqlDataSource dataSource, SecretProtector secrets)
{
    private sealed record Row(string DomainName, string Url, string SigningSecret, DateTime CreatedAt, DateTime UpdatedAt, DateTime SecretRotatedAt);

    /// <summary>
    /// The webhook a delivery goes to: its domain's, and only while that domain is the same tenant (the same domain id) as the
    /// event's. A delivery of a deleted domain finds none, even when another tenant has taken the name and set a webhook.
    /// </summary>
    public async Task<StatusWebhook?> FindForDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition("""
            SELECT w.domain_name, w.url, w.signing_secret, w.created_at, w.updated_at, w.secret_rotated_at
            FROM status_webhook_deliveries d
            JOIN status_webhooks w ON w.domain_name = d.domain_name AND w.domain_id IS NOT DISTINCT FROM d.domain_id
            WHERE d.id = @deliveryId
            """, new { deliveryId }, cancellationToken: cancellationToken));
        return row is null ? null : new StatusWebhook(row.DomainName, row.Url, secrets.Reveal(row.SigningSecret), row.CreatedAt, row.UpdatedAt, row.SecretRotatedAt);
    }

    public async Task<StatusWebhook?> FindAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT domain_name, url, signing_secret, created_at, updated_at, secret_rotated_at FROM status_webhooks WHERE domain_name = @domainName", new { domainName }, cancellationToken: cancellationToken));
        return row is null ? null : new StatusWebhook(row.DomainName, row.Url, secrets.Reveal(row.SigningSecret), row.CreatedAt, row.UpdatedAt, row.SecretRotatedAt);
    }

    /// <summary>Sets the URL; a new webhook gets <paramref name="newSecret"/>, an existing one keeps its secret. True when it was created.</summary>
    public async Task<bool> SetUrlAsync(string domainName, string url, string newSecret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            INSERT INTO status_webhooks (domain_name, url, signing_secret) VALUES (@domainName, @url, @secret)
            ON CONFLICT (domain_name) DO UPDATE SET url = excluded.url, updated_at = now()
            RETURNING (xmax = 0)
            """, new { domainName, url, secret = secrets.Protect(newSecret) }, cancellationToken: cancellationToken));
    }

    public async Task<bool> RotateSecretAsync(string domainName, string newSecret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE status_webhooks SET signing_secret = @secret, secret_rotated_at = now(), updated_at = now() WHERE domain_name = @domainName
            """, new { domainName, secret = secrets.Protect(newSecret) }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> DeleteAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM status_webhooks WHERE domain_name = @domainName", new { domainName }, cancellationToken: cancellationToken)) == 1;
    }
}
