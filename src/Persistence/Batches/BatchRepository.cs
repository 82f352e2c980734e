using Dapper;
using Npgsql;

namespace Aventora.Persistence.Batches;

public sealed record BatchRow
{
    public required Guid Id { get; init; }
    /// <summary>The caller's own id for the batch (its <c>batch_id</c>), unique per domain; the uuid as text when it gave none.</summary>
    public required string ClientBatchId { get; init; }
    public required string DomainName { get; init; }
    public required string Source { get; init; }
    public string? FileName { get; init; }
    public string? DefaultChannel { get; init; }
    public required string Status { get; init; }
    public int AcceptedCount { get; init; }
    public int RejectedCount { get; init; }
    public int PublishedCount { get; init; }
    public string? FailureReason { get; init; }
    public byte[]? ContentHash { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public static class BatchStatus
{
    public const string Publishing = "publishing";
    public const string Published = "published";
    public const string Interrupted = "interrupted";
    public const string Failed = "failed";
}

/// <summary>A batch to start: its proposed uuid, the caller's id for it, and a hash of what was uploaded.</summary>
public sealed record NewBatch(
    Guid Id, string ClientBatchId, string DomainName, string Source, string? FileName, string? DefaultChannel, byte[] ContentHash);

/// <summary>The stored batch, and whether it was first uploaded with other content (then nothing was changed).</summary>
public sealed record BatchStart(BatchRow Batch, bool ContentDiffers);

/// <summary>The <c>batches</c> table: one row per CSV batch, whichever way it came (API, drop folder, mail).</summary>
public sealed class BatchRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Starts the batch, or finds the domain's batch already known by this client id (or, for a client id that is a uuid, by
    /// that uuid): a retried upload. A found batch with the same content is marked publishing again; one with other content is
    /// left as it is and reported. Null when the proposed id belongs to another domain's batch.
    /// </summary>
    public async Task<BatchStart?> StartAsync(NewBatch batch, CancellationToken cancellationToken)
    {
        var clientIdAsUuid = Guid.TryParse(batch.ClientBatchId, out var parsed) ? parsed : (Guid?)null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        BatchRow? row = null;
        // A competing upload of the same batch that commits after this statement's snapshot leaves both halves empty: look again.
        for (var attempt = 0; attempt < 3 && row is null; attempt++)
        {
            row = await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition("""
                WITH existing AS (
                    SELECT * FROM batches
                    WHERE domain_name = @DomainName AND (client_batch_id = @ClientBatchId OR id = @clientIdAsUuid)
                    ORDER BY client_batch_id = @ClientBatchId DESC
                    LIMIT 1),
                inserted AS (
                    INSERT INTO batches (id, client_batch_id, domain_name, source, file_name, default_channel, content_hash)
                    SELECT @Id, @ClientBatchId, @DomainName, @Source, @FileName, @DefaultChannel, @ContentHash
                    WHERE NOT EXISTS (SELECT 1 FROM existing)
                    ON CONFLICT DO NOTHING
                    RETURNING *)
                SELECT * FROM inserted UNION ALL SELECT * FROM existing LIMIT 1
                """, new
            {
                batch.Id, batch.ClientBatchId, batch.DomainName, batch.Source, batch.FileName, batch.DefaultChannel, batch.ContentHash,
                clientIdAsUuid,
            }, cancellationToken: cancellationToken));
        }
        if (row is null) return null;

        var restarted = await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition("""
            UPDATE batches SET status = 'publishing', content_hash = COALESCE(content_hash, @ContentHash), failure_reason = NULL, updated_at = now()
            WHERE id = @id AND (content_hash IS NULL OR content_hash = @ContentHash)
            RETURNING *
            """, new { row.Id, batch.ContentHash }, cancellationToken: cancellationToken));
        return restarted is null ? new BatchStart(row, ContentDiffers: true) : new BatchStart(restarted, ContentDiffers: false);
    }

    public async Task FinishAsync(
        Guid id, string status, int acceptedCount, int rejectedCount, int publishedCount, string? failureReason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batches SET status = @status, accepted_count = @acceptedCount, rejected_count = @rejectedCount,
                               published_count = @publishedCount, failure_reason = @failureReason, updated_at = now()
            WHERE id = @id
            """, new { id, status, acceptedCount, rejectedCount, publishedCount, failureReason }, cancellationToken: cancellationToken));
    }

    public async Task<BatchRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition(
            "SELECT * FROM batches WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>The batches with this client id: of one domain, or of every domain when <paramref name="domainName"/> is null (at most a few).</summary>
    public async Task<IReadOnlyList<BatchRow>> FindByClientIdAsync(string clientBatchId, string? domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<BatchRow>(new CommandDefinition("""
            SELECT * FROM batches WHERE client_batch_id = @clientBatchId AND (@domainName::varchar IS NULL OR domain_name = @domainName)
            ORDER BY created_at LIMIT 10
            """, new { clientBatchId, domainName }, cancellationToken: cancellationToken))).ToList();
    }
}
