using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Aventora.Contracts.Outbound;
using Aventora.Ingress.Api.Publishing;
using Aventora.Persistence.Batches;
using Microsoft.Extensions.Options;
using Aventora.ServiceDefaults.Messaging;
using Serilog.Context;

namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// Publishes the good rows of batches in state <c>publishing</c> from their spooled files, in the background. It takes the
/// batches this Ingress just accepted (<see cref="Notify"/>) and, every <see cref="BatchOptions.ResumePollInterval"/>, those
/// another copy left behind (stopped, killed, or its lease expired): each batch under a lease in the database, so only one copy
/// publishes it at a time. Rows go out <see cref="BatchOptions.PublishChunkRows"/> at a time with at most
/// <see cref="BatchOptions.PublishConcurrency"/> awaiting the broker's confirmation; after each chunk the batch records how many
/// were published and the line to resume after. Rows are idempotent (RequestId from the batch and line), so the chunk a crash
/// cut short is simply published again. While the broker is away the batch waits and retries, saying why in
/// <c>waiting_reason</c>; a batch whose spooled file is gone ends <c>failed</c> with a reason a person can act on.
/// Fair shares: it holds up to <see cref="BatchOptions.MaxBatchesHeld"/> batches, claimed each tenant's first before any tenant's
/// second, and each chunk waits for one of <see cref="BatchOptions.MaxBatchesPublishing"/> slots handed out round-robin over
/// tenants (<see cref="BatchTurns"/>), so one tenant's large batches yield to another's at every chunk.
/// </summary>
public sealed class BatchPublisher(
    BatchRepository batches, ConfirmedPublisher publisher, IOptions<BatchOptions> options, ILogger<BatchPublisher> logger) : BackgroundService
{
    /// <summary>Left-over spooled files (an upload cut short by a crash) are deleted once they are this old and no batch needs them.</summary>
    private static readonly TimeSpan LeftoverAge = TimeSpan.FromHours(1);

    // A wake-up call, not a queue: the database says which batches are waiting.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    // Batches whose publishing broke unexpectedly rest until their lease runs out, rather than being retried in a tight loop.
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _resting = new();
    private readonly BatchTurns _turns = new(options.Value.MaxBatchesPublishing);

    /// <summary>This Ingress copy's name on the leases it holds.</summary>
    public Guid Owner { get; } = Guid.NewGuid();

    /// <summary>A batch was accepted here: look for work now rather than at the next poll.</summary>
    public void Notify(Guid batchId) => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await DeleteLeftoversAsync(stoppingToken);
        using var slots = new SemaphoreSlim(options.Value.MaxBatchesHeld);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                var batch = await TryClaimAsync(stoppingToken);
                if (batch is null)
                {
                    slots.Release();
                    await WaitForWorkAsync(stoppingToken);
                    continue;
                }
                _running[batch.Id] = Task.Run(async () =>
                {
                    try { await PublishAsync(batch, stoppingToken); }
                    finally
                    {
                        _running.TryRemove(batch.Id, out _);
                        slots.Release();
                        _wake.Writer.TryWrite(true); // room to hold another: the next waiting batch need not wait for the poll
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(_running.Values);
    }

    private async Task<BatchRow?> TryClaimAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var (id, until) in _resting) if (until < DateTimeOffset.UtcNow) _resting.TryRemove(id, out _);
            return await batches.ClaimNextAsync(Owner, options.Value.LeaseFor, [.. _running.Keys, .. _resting.Keys], stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Looking for batches to publish failed ({ErrorType}: {Error}); looking again shortly", e.GetType().Name, e.Message);
            return null;
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(options.Value.ResumePollInterval);
        try { await _wake.Reader.ReadAsync(poll.Token); }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
    }

    private async Task PublishAsync(BatchRow batch, CancellationToken stoppingToken)
    {
        using var _ = LogContext.PushProperty("BatchId", batch.Id);
        var progress = new Progress(batch.PublishedThroughLine, batch.PublishedCount);
        try
        {
            if (batch.SpoolPath is null || !File.Exists(batch.SpoolPath))
            {
                await FailAsync(batch, progress, SpoolGone(batch));
                return;
            }
            var elapsed = Stopwatch.StartNew();
            var startCount = progress.Published;
            if (progress.ThroughLine > 0)
                logger.LogInformation("Resuming batch {ClientBatchId} of {DomainName} after line {Line} ({PublishedCount} rows published)",
                    batch.ClientBatchId, batch.DomainName, progress.ThroughLine, progress.Published);
            if (!await PublishRowsAsync(batch, progress, stoppingToken)) return; // another copy has it now
            if (!await batches.FinishAsync(batch.Id, Owner, BatchStatus.Published, progress.ThroughLine, progress.Published, null, stoppingToken)) return;
            SpooledFile.TryDelete(batch.SpoolPath);
            var rate = (progress.Published - startCount) / Math.Max(elapsed.Elapsed.TotalSeconds, 0.001);
            logger.LogInformation("Batch {ClientBatchId} of {DomainName} published: {PublishedCount} rows ({RowsPerSecond:0} rows/s)",
                batch.ClientBatchId, batch.DomainName, progress.Published, rate);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: let go of the lease so that the next Ingress to start (or another copy) resumes at once.
            await TryAsync(() => batches.ReleaseAsync(batch.Id, Owner, CancellationToken.None));
            logger.LogInformation("Ingress is stopping: batch {ClientBatchId} stays publishing and resumes after line {Line}",
                batch.ClientBatchId, progress.ThroughLine);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            await FailAsync(batch, progress, SpoolGone(batch));
        }
        catch (BatchFileException e)
        {
            await FailAsync(batch, progress, $"The spooled file can no longer be read as CSV ({e.Refusal.Message}); upload the file again with batch_id '{batch.ClientBatchId}'.");
        }
        catch (Exception e)
        {
            // Kept leased until the lease runs out, so that this batch is tried again then, not in a tight loop.
            _resting[batch.Id] = DateTimeOffset.UtcNow + options.Value.LeaseFor;
            logger.LogError(e, "Publishing batch {ClientBatchId} stopped after line {Line}; it is tried again once its lease has expired",
                batch.ClientBatchId, progress.ThroughLine);
        }
    }

    /// <summary>Reads the spooled file after the last confirmed line and publishes its good rows chunk by chunk. False when the lease was lost.</summary>
    private async Task<bool> PublishRowsAsync(BatchRow batch, Progress progress, CancellationToken ct)
    {
        var chunkRows = options.Value.PublishChunkRows;
        var chunk = new List<OutboundRequested>(chunkRows);
        var lastLine = progress.ThroughLine;
        await using (var file = new FileStream(batch.SpoolPath!, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
                         FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            await foreach (var row in CsvBatchReader.ReadAsync(file, batch.DefaultChannel, ct))
            {
                if (row.LineNumber <= progress.ThroughLine) continue;
                var (valid, _) = BatchProcessor.Validate(row, batch.DomainName);
                if (valid is not null) chunk.Add(BatchProcessor.ToMessage(valid, batch.Id, row.LineNumber));
                lastLine = row.LineNumber;
                if (chunk.Count < chunkRows) continue;
                if (!await PublishChunkAsync(batch, chunk, lastLine, progress, ct)) return false;
                chunk.Clear();
            }
        }
        return lastLine == progress.ThroughLine || await PublishChunkAsync(batch, chunk, lastLine, progress, ct);
    }

    /// <summary>Publishes the chunk until the broker confirms all of it (waiting while it is away), then records the progress.</summary>
    private async Task<bool> PublishChunkAsync(BatchRow batch, List<OutboundRequested> chunk, int lastLine, Progress progress, CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        // Waits renew the lease, so they stay well inside it.
        var maxDelay = TimeSpan.FromTicks(Math.Min(options.Value.BrokerRetryMaxDelay.Ticks, options.Value.LeaseFor.Ticks / 2));
        var since = DateTimeOffset.UtcNow;
        var tenant = batch.DomainId?.ToString() ?? batch.DomainName;
        while (true)
        {
            // The turn covers the publish and its progress record, not the wait for the broker: other tenants' chunks go meanwhile.
            using (await _turns.WaitAsync(tenant, ct))
            {
                if (await TryPublishAllAsync(chunk, ct))
                {
                    progress.Advance(lastLine, chunk.Count);
                    return await batches.RecordProgressAsync(batch.Id, Owner, progress.ThroughLine, progress.Published, options.Value.LeaseFor, ct);
                }
            }
            var reason = $"The message broker is not confirming rows (since {since:yyyy-MM-ddTHH:mm:ssZ}); publishing retries every " +
                $"{maxDelay.TotalSeconds:0} s at most and resumes after line {progress.ThroughLine}. Nothing needs to be uploaded again.";
            if (!await batches.RecordWaitingAsync(batch.Id, Owner, reason, options.Value.LeaseFor, ct)) return false;
            logger.LogWarning("Batch {ClientBatchId} waits for the broker: trying again in {DelaySeconds} s", batch.ClientBatchId, delay.TotalSeconds);
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
        }
    }

    private async Task<bool> TryPublishAllAsync(List<OutboundRequested> chunk, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await Parallel.ForEachAsync(chunk, new ParallelOptions
            {
                MaxDegreeOfParallelism = options.Value.PublishConcurrency,
                CancellationToken = failed.Token,
            }, async (message, token) =>
            {
                // Batch rows take the bulk lane, so that they never queue in front of another domain's single request.
                if (!await publisher.TrySendAsync(OutboundLanes.OutboundRequestedBulk, message, token)) await failed.CancelAsync();
            });
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false; // one row was not confirmed: the chunk goes again, the rows that were are ignored by the dispatcher
        }
    }

    private async Task FailAsync(BatchRow batch, Progress progress, string reason)
    {
        await TryAsync(() => batches.FinishAsync(batch.Id, Owner, BatchStatus.Failed, progress.ThroughLine, progress.Published, reason, CancellationToken.None));
        if (batch.SpoolPath is not null) SpooledFile.TryDelete(batch.SpoolPath);
        logger.LogWarning("Batch {ClientBatchId} of {DomainName} failed: {Reason}", batch.ClientBatchId, batch.DomainName, reason);
    }

    private static string SpoolGone(BatchRow batch) =>
        $"The spooled copy of the file ({batch.SpoolPath ?? "none recorded"}) is gone, so the rest of the batch cannot be published " +
        $"({batch.PublishedCount} row(s) were). Upload the same file again with batch_id '{batch.ClientBatchId}' to send the rest " +
        "(nothing is sent twice); check that Batches:SpoolFolder is durable and shared by every Ingress copy.";

    private async Task DeleteLeftoversAsync(CancellationToken ct)
    {
        try
        {
            var inUse = (await batches.SpoolPathsInUseAsync(ct)).ToHashSet();
            foreach (var path in Directory.EnumerateFiles(options.Value.SpoolFolder!))
            {
                if (inUse.Contains(path) || !(path.EndsWith(".part") || path.EndsWith(".csv"))) continue;
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > LeftoverAge) SpooledFile.TryDelete(path);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("Could not clear left-over spooled files ({ErrorType}: {Error})", e.GetType().Name, e.Message);
        }
    }

    private async Task TryAsync(Func<Task> action)
    {
        try { await action(); }
        catch (Exception e) { logger.LogWarning("Recording a batch's state failed ({ErrorType}: {Error})", e.GetType().Name, e.Message); }
    }

    /// <summary>How far a batch has got: every good row through <see cref="ThroughLine"/> is confirmed.</summary>
    private sealed class Progress(int throughLine, int published)
    {
        public int ThroughLine { get; private set; } = throughLine;
        public int Published { get; private set; } = published;

        public void Advance(int throughLine, int rows) => (ThroughLine, Published) = (throughLine, Published + rows);
    }
}
