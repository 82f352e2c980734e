using Dapper;
using Npgsql;

namespace Aventora.Persistence.Batches;

public sealed record BatchRow
{
    public required Guid Id { get; init; }
    /// <summary>The caller's own id for the batch (its <c>batch_id</c>), unique per domain; the uuid as text when it gave none.</summary>
    public required string ClientBatchId { get; init; }
    public required string DomainName { get; init; }
    /// <summary>The tenant (null only on batches of names deleted before release 1.24.0).</summary>
    public Guid? DomainId { get; init; }
    /// <summary>Its domain has been deleted (a domain of that name may exist again, as another tenant): admins only.</summary>
    [Computed] public bool OfDeletedDomain { get; init; }
    public required string Source { get; init; }
    public string? FileName { get; init; }
    public string? DefaultChannel { get; init; }
    public required string Status { get; init; }
    public int AcceptedCount { get; init; }
    public int RejectedCount { get; init; }
    public int PublishedCount { get; init; }
    public string? FailureReason { get; init; }
    public byte[]? ContentHash { get; init; }
    /// <summary>The spooled file the background publisher reads; null once published or failed.</summary>
    public string? SpoolPath { get; init; }
    /// <summary>Every good row up to this line is confirmed by the broker; publishing resumes after it.</summary>
    public int PublishedThroughLine { get; init; }
    /// <summary>Why a publishing batch is not moving (the broker is away); null while rows go out.</summary>
    public string? WaitingReason { get; init; }
    public Guid? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }
    /// <summary>running, paused or cancelled (<see cref="BatchControl"/>): what the batch's owner asked for, apart from publishing.</summary>
    public string Control { get; init; } = BatchControl.Running;
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

/// <summary>What the batch's owner asked for: its rows not yet sent go on (running), wait (paused) or end (cancelled).</summary>
public static class BatchControl
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// A batch to start: its proposed uuid, the caller's id for it, a hash of what was uploaded, the validated counts, and the
/// spooled file the publisher will read, leased to the Ingress copy that took the upload so that it publishes it first.
/// </summary>
public sealed record NewBatch(
    Guid Id, string ClientBatchId, string DomainName, string Source, string? FileName, string? DefaultChannel, byte[] ContentHash)
{
    public required string SpoolPath { get; init; }
    public required int AcceptedCount { get; init; }
    public required int RejectedCount { get; init; }
    public required Guid LeaseOwner { get; init; }
    public required TimeSpan LeaseFor { get; init; }
}

/// <summary>
/// The stored batch; whether it was first uploaded with other content (then nothing was changed); and whether it took the new
/// spooled file (a new batch, or a failed one started again) rather than being already publishing or published.
/// </summary>
public sealed record BatchStart(BatchRow Batch, bool ContentDiffers, bool TookSpool = false);

/// <summary>The <c>batches</c> table: one row per CSV batch, whichever way it came (API, drop folder, mail).</summary>
public sealed class BatchRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Starts the batch, or finds the domain's batch already known by this client id (or, for a client id that is a uuid, by
    /// that uuid): a retried upload. A found batch that failed, with the same content, starts publishing again from the new
    /// spooled file; one publishing or published is left as it is; one with other content is left as it is and reported.
    /// Null when the proposed id belongs to another domain's batch.
    /// </summary>
    public async Task<BatchStart?> StartAsync(NewBatch batch, CancellationToken cancellationToken)
    {
        var clientIdAsUuid = Guid.TryParse(batch.ClientBatchId, out var parsed) ? parsed : (Guid?)null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        BatchRow? row = null;
        // A competing upload of the same batch that commits after this statement's snapshot leaves both halves empty: look again.
        for (var attempt = 0; attempt < 3 && row is null; attempt++)
        {
            row = await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition($$"""
                WITH existing AS (
                    SELECT {{Columns.Of<BatchRow>()}} FROM batches
                    WHERE domain_name = @DomainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@DomainName)
                      AND (client_batch_id = @ClientBatchId OR id = @clientIdAsUuid)
                    ORDER BY client_batch_id = @ClientBatchId DESC
                    LIMIT 1),
                inserted AS (
                    INSERT INTO batches (id, client_batch_id, domain_name, source, file_name, default_channel, content_hash,
                                         spool_path, accepted_count, rejected_count, lease_owner, lease_until)
                    SELECT @Id, @ClientBatchId, @DomainName, @Source, @FileName, @DefaultChannel, @ContentHash,
                           @SpoolPath, @AcceptedCount, @RejectedCount, @LeaseOwner, now() + @LeaseFor
                    WHERE NOT EXISTS (SELECT 1 FROM existing)
                    ON CONFLICT DO NOTHING
                    RETURNING {{Columns.Of<BatchRow>()}})
                SELECT {{Columns.Of<BatchRow>()}} FROM inserted UNION ALL SELECT {{Columns.Of<BatchRow>()}} FROM existing LIMIT 1
                """, new
            {
                batch.Id, batch.ClientBatchId, batch.DomainName, batch.Source, batch.FileName, batch.DefaultChannel, batch.ContentHash,
                batch.SpoolPath, batch.AcceptedCount, batch.RejectedCount, batch.LeaseOwner, batch.LeaseFor, clientIdAsUuid,
            }, cancellationToken: cancellationToken));
        }
        if (row is null) return null;
        if (row.SpoolPath == batch.SpoolPath) return new BatchStart(row, ContentDiffers: false, TookSpool: true); // inserted just now
        if (row.ContentHash is not null && !row.ContentHash.AsSpan().SequenceEqual(batch.ContentHash)) return new BatchStart(row, ContentDiffers: true);

        // A batch that failed (or was interrupted before 1.22) starts again from this upload's file, after the rows already confirmed.
        var restarted = await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition($$"""
            UPDATE batches SET status = 'publishing', content_hash = COALESCE(content_hash, @ContentHash), failure_reason = NULL,
                               waiting_reason = NULL, accepted_count = @AcceptedCount, rejected_count = @RejectedCount,
                               spool_path = @SpoolPath, lease_owner = @LeaseOwner, lease_until = now() + @LeaseFor, updated_at = now()
            WHERE id = @Id AND status NOT IN ('publishing', 'published') AND (content_hash IS NULL OR content_hash = @ContentHash)
            RETURNING {{Columns.Of<BatchRow>()}}
            """, new { row.Id, batch.ContentHash, batch.AcceptedCount, batch.RejectedCount, batch.SpoolPath, batch.LeaseOwner, batch.LeaseFor },
            cancellationToken: cancellationToken));
        if (restarted is not null) return new BatchStart(restarted, ContentDiffers: false, TookSpool: true);
        // Publishing or published already (maybe by a concurrent retry): the same rows go out once, from the first file.
        var current = await FindAsync(row.Id, cancellationToken) ?? row;
        return new BatchStart(current, ContentDiffers: current.ContentHash is not null && !current.ContentHash.AsSpan().SequenceEqual(batch.ContentHash));
    }

    /// <summary>
    /// Takes the next batch to publish for <paramref name="owner"/>: one this copy took the upload of, or one whose lease has
    /// expired (its copy stopped or died), skipping those another copy is taking at this moment. Round-robin over tenants: every
    /// tenant's oldest batch still publishing comes before any tenant's second (counting those being published), then oldest first.
    /// </summary>
    public async Task<BatchRow?> ClaimNextAsync(Guid owner, TimeSpan leaseFor, IReadOnlyCollection<Guid> running, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition($$"""
            WITH queue AS (
                SELECT id, created_at, row_number() OVER (PARTITION BY COALESCE(domain_id::text, domain_name) ORDER BY created_at) AS turn
                FROM batches WHERE status = 'publishing' AND control <> 'cancelled'),
            next AS (
                SELECT b.id FROM batches b JOIN queue q ON q.id = b.id
                WHERE b.status = 'publishing' AND b.control <> 'cancelled' AND NOT (b.id = ANY(@running))
                  AND (b.lease_owner = @owner OR b.lease_until IS NULL OR b.lease_until < now())
                ORDER BY q.turn, q.created_at
                LIMIT 1
                FOR UPDATE OF b SKIP LOCKED)
            UPDATE batches b SET lease_owner = @owner, lease_until = now() + @leaseFor
            FROM next WHERE b.id = next.id
            RETURNING {{Columns.Of<BatchRow>("b")}}
            """, new { owner, leaseFor, running = running.ToArray() }, cancellationToken: cancellationToken));
    }

    /// <summary>Every good row through <paramref name="throughLine"/> is confirmed; renews the lease. False when the lease is no longer ours.</summary>
    public async Task<bool> RecordProgressAsync(
        Guid id, Guid owner, int throughLine, int publishedCount, TimeSpan leaseFor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batches SET published_through_line = @throughLine, published_count = @publishedCount, waiting_reason = NULL,
                               lease_until = now() + @leaseFor, updated_at = now()
            WHERE id = @id AND lease_owner = @owner AND status = 'publishing' AND control <> 'cancelled'
            """, new { id, owner, throughLine, publishedCount, leaseFor }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Says why the batch is not moving and keeps the lease. False when the lease is no longer ours.</summary>
    public async Task<bool> RecordWaitingAsync(Guid id, Guid owner, string reason, TimeSpan leaseFor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batches SET waiting_reason = @reason, lease_until = now() + @leaseFor, updated_at = now()
            WHERE id = @id AND lease_owner = @owner AND status = 'publishing'
            """, new { id, owner, reason, leaseFor }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Ends the batch <c>published</c> or <c>failed</c> (with the reason) and lets go of its lease and spooled file.</summary>
    public async Task<bool> FinishAsync(
        Guid id, Guid owner, string status, int throughLine, int publishedCount, string? failureReason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batches SET status = @status, published_through_line = @throughLine, published_count = @publishedCount,
                               failure_reason = @failureReason, waiting_reason = NULL, spool_path = NULL,
                               lease_owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = @id AND lease_owner = @owner AND status = 'publishing'
            """, new { id, owner, status, throughLine, publishedCount, failureReason }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Lets go of the lease (the host is stopping), so that the next Ingress to look resumes the batch at once.</summary>
    public async Task ReleaseAsync(Guid id, Guid owner, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE batches SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner",
            new { id, owner }, cancellationToken: cancellationToken));
    }

    /// <summary>The spooled files batches still need: the rest of the spool folder is left over from uploads that never finished.</summary>
    public async Task<IReadOnlyList<string>> SpoolPathsInUseAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT spool_path FROM batches WHERE spool_path IS NOT NULL", cancellationToken: cancellationToken))).ToList();
    }

    public async Task<BatchRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition(
            $"SELECT {Columns.Of<BatchRow>("b")}, b.domain_id IS DISTINCT FROM aventora_domain_id(b.domain_name) AS of_deleted_domain FROM batches b WHERE b.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>The batches with this client id: of one domain, or of every domain when <paramref name="domainName"/> is null (at most a few).</summary>
    public async Task<IReadOnlyList<BatchRow>> FindByClientIdAsync(string clientBatchId, string? domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<BatchRow>(new CommandDefinition($$"""
            SELECT {{Columns.Of<BatchRow>("b")}}, b.domain_id IS DISTINCT FROM aventora_domain_id(b.domain_name) AS of_deleted_domain
            FROM batches b WHERE b.client_batch_id = @clientBatchId AND (@domainName::varchar IS NULL OR b.domain_name = @domainName)
            ORDER BY created_at LIMIT 10
            """, new { clientBatchId, domainName }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Moves the batch's control from one of <paramref name="from"/> to <paramref name="to"/>; the row after, or null when it was elsewhere.</summary>
    public async Task<BatchRow?> TrySetControlAsync(Guid id, string[] from, string to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition($$"""
            UPDATE batches SET control = @to, updated_at = now() WHERE id = @id AND control = ANY(@from) RETURNING {{Columns.Of<BatchRow>()}}
            """, new { id, from, to }, cancellationToken: cancellationToken));
    }

    /// <summary>The batch's control (running when the batch is unknown: a row published before its batch row is read as running).</summary>
    public async Task<string> ControlOfAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT control FROM batches WHERE id = @id", new { id }, cancellationToken: cancellationToken)) ?? BatchControl.Running;
    }
}
