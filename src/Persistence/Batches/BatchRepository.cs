using Dapper;
using Npgsql;

namespace Aventora.Persistence.Batches;

public sealed record BatchRow
{
    public required Guid Id { get; init; }
    public required string DomainName { get; init; }
    public required string Source { get; init; }
    public string? FileName { get; init; }
    public string? DefaultChannel { get; init; }
    public required string Status { get; init; }
    public int AcceptedCount { get; init; }
    public int RejectedCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public static class BatchStatus
{
    public const string Publishing = "publishing";
    public const string Published = "published";
    public const string Interrupted = "interrupted";
}

/// <summary>The <c>batches</c> table: one row per CSV batch, whichever way it came (API, drop folder, mail).</summary>
public sealed class BatchRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Starts the batch, or finds the one already started with this id (a retried upload); returns the stored row.</summary>
    public async Task<BatchRow> StartAsync(Guid id, string domainName, string source, string? fileName, string? defaultChannel, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<BatchRow>(new CommandDefinition("""
            WITH inserted AS (
                INSERT INTO batches (id, domain_name, source, file_name, default_channel)
                VALUES (@id, @domainName, @source, @fileName, @defaultChannel)
                ON CONFLICT (id) DO NOTHING
                RETURNING *)
            SELECT * FROM inserted UNION ALL SELECT * FROM batches WHERE id = @id LIMIT 1
            """, new { id, domainName, source, fileName, defaultChannel }, cancellationToken: cancellationToken));
    }

    public async Task FinishAsync(Guid id, string status, int acceptedCount, int rejectedCount, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batches SET status = @status, accepted_count = @acceptedCount, rejected_count = @rejectedCount, updated_at = now()
            WHERE id = @id
            """, new { id, status, acceptedCount, rejectedCount }, cancellationToken: cancellationToken));
    }

    public async Task<BatchRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition(
            "SELECT * FROM batches WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
