using System.Diagnostics;
using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Ingress.Api.Publishing;
using Aventora.Ingress.Api.Requests;
using Aventora.Persistence.Batches;
using Microsoft.Extensions.Options;
using Serilog.Context;

namespace Aventora.Ingress.Api.Batches;

/// <summary>A batch file to take in: whose it is, where it came from, what to fall back to.</summary>
public sealed record BatchUpload(Guid BatchId, string DomainName, string? DefaultChannel, string Source, string? FileName)
{
    /// <summary>The caller's id for the batch; the uuid as text when it has none (drop folder, mail).</summary>
    public string? ClientBatchId { get; init; }
    /// <summary>The content's hash when the caller already has it (<see cref="BatchContent.HashAsync"/>); computed otherwise.</summary>
    public byte[]? ContentHash { get; init; }
}

public sealed record RejectedRow(int LineNumber, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// What became of a batch's rows. <see cref="RejectedRows"/> lists at most the configured number; the counts are whole.
/// <see cref="BatchId"/> is the stored batch's uuid, which a retried upload finds again.
/// </summary>
public sealed record BatchOutcome(
    Guid BatchId, string Status, int AcceptedCount, int RejectedCount, IReadOnlyList<RejectedRow> RejectedRows, bool RejectedRowsTruncated)
{
    public required string ClientBatchId { get; init; }
    /// <summary>Rows the broker confirmed in this upload.</summary>
    public int PublishedCount { get; init; }
}

/// <summary>
/// The one way a CSV batch goes out, for the API, the drop folder and mail attachments. Two passes over a seekable file:
/// the first checks the file as a whole (text, header, quoting) so a refused file publishes nothing; the second validates each
/// row with <see cref="OutboundRequestValidator"/> and publishes the good ones through a bounded pipeline (at most
/// <see cref="BatchOptions.PublishConcurrency"/> awaiting the broker), so memory stays flat whatever the file's size.
/// Each row's RequestId is derived from the batch id and its line, so a retried batch sends nothing twice; a retry with other
/// content is refused (the batch's content hash), since its rows would silently not go out. Publishing that stops half way
/// (the client went away, the host is stopping) leaves the batch <c>failed</c> with what was published, never <c>publishing</c>.
/// </summary>
public sealed class BatchProcessor(
    ConfirmedPublisher publisher, BatchRepository batches, IOptions<BatchOptions> options, ILogger<BatchProcessor> logger)
{
    /// <summary>Checks the file and, when it can be taken, publishes its good rows. Exactly one of the results is set.</summary>
    public async Task<(BatchOutcome? Outcome, BatchRefusal? Refusal)> ProcessAsync(BatchUpload upload, Stream file, CancellationToken cancellationToken)
    {
        using var _ = LogContext.PushProperty("BatchId", upload.BatchId);
        if (file.Length > options.Value.MaxFileBytes) return (null, TooLarge(options.Value.MaxFileBytes));
        if (await CsvBatchReader.CheckAsync(file, cancellationToken) is { } refusal)
        {
            logger.LogInformation("Refused {Source} batch for domain {DomainName}: {RefusalCode}", upload.Source, upload.DomainName, refusal.Code);
            return (null, refusal);
        }

        var contentHash = upload.ContentHash ?? await BatchContent.HashAsync(file, upload.DefaultChannel, cancellationToken);
        var clientBatchId = upload.ClientBatchId ?? upload.BatchId.ToString();
        var start = await batches.StartAsync(new NewBatch(
            upload.BatchId, clientBatchId, upload.DomainName, upload.Source, upload.FileName, upload.DefaultChannel, contentHash), cancellationToken);
        if (start is null)
            return (null, new BatchRefusal(409, "batch_id_taken", $"Batch {upload.BatchId} belongs to another domain; use a new batch id."));
        if (start.ContentDiffers)
        {
            logger.LogInformation("Refused {Source} batch {ClientBatchId} for domain {DomainName}: other content than its first upload",
                upload.Source, clientBatchId, upload.DomainName);
            return (null, ContentDiffers(start.Batch));
        }
        var batchId = start.Batch.Id;

        file.Position = 0;
        var elapsed = Stopwatch.StartNew();
        var rejected = new List<RejectedRow>();
        int rejectedCount = 0, acceptedCount = 0, publishedCount = 0;
        var max = options.Value.MaxRejectedRowsReported;

        async IAsyncEnumerable<OutboundRequested> GoodRows()
        {
            await foreach (var row in CsvBatchReader.ReadAsync(file, upload.DefaultChannel, cancellationToken))
            {
                IReadOnlyDictionary<string, string[]> errors;
                if (row.Malformed is not null) errors = new Dictionary<string, string[]> { ["row"] = [row.Malformed] };
                else if (OutboundRequestValidator.TryValidate(row.Request with { DomainName = upload.DomainName }, out var valid, out var found))
                {
                    acceptedCount++;
                    yield return StartEndpoints.ToOutboundRequested(
                        valid!, NameBasedGuid.ForLine(batchId, row.LineNumber), RequestSources.Csv, batchId, row.LineNumber);
                    continue;
                }
                else errors = found;
                rejectedCount++;
                if (rejected.Count < max) rejected.Add(new RejectedRow(row.LineNumber, errors));
            }
        }

        var status = BatchStatus.Published;
        try
        {
            await Parallel.ForEachAsync(GoodRows(), new ParallelOptions
            {
                MaxDegreeOfParallelism = options.Value.PublishConcurrency,
                CancellationToken = cancellationToken,
            }, async (message, ct) =>
            {
                if (!await publisher.TryPublishAsync(message, ct)) throw new BrokerUnavailableException();
                Interlocked.Increment(ref publishedCount);
            });
        }
        catch (BrokerUnavailableException)
        {
            status = BatchStatus.Interrupted;
        }
        catch (Exception e)
        {
            var why = e is OperationCanceledException or IOException
                ? upload.Source == "api" ? "the client went away" : "Ingress is stopping"
                : $"an unexpected {e.GetType().Name}";
            var reason = $"Publishing stopped ({why}) after {publishedCount} row(s) were published and {rejectedCount} rejected; " +
                $"upload the same file again with batch_id '{clientBatchId}' to send the rest (nothing is sent twice).";
            await batches.FinishAsync(batchId, BatchStatus.Failed, acceptedCount, rejectedCount, publishedCount, reason, CancellationToken.None);
            logger.LogWarning("{Source} batch for domain {DomainName} failed: {Reason}", upload.Source, upload.DomainName, reason);
            throw;
        }
        await batches.FinishAsync(batchId, status, acceptedCount, rejectedCount, publishedCount, null, CancellationToken.None);
        logger.LogInformation(
            "{Source} batch for domain {DomainName} {BatchStatus}: {AcceptedCount} rows accepted, {PublishedCount} published, {RejectedCount} rejected in {ElapsedMs} ms",
            upload.Source, upload.DomainName, status, acceptedCount, publishedCount, rejectedCount, elapsed.ElapsedMilliseconds);
        return (new BatchOutcome(batchId, status, acceptedCount, rejectedCount, rejected, rejectedCount > rejected.Count)
        {
            ClientBatchId = start.Batch.ClientBatchId,
            PublishedCount = publishedCount,
        }, null);
    }

    private static BatchRefusal ContentDiffers(BatchRow first) => new(409, "batch_content_differs",
        $"Batch '{first.ClientBatchId}' was first uploaded at {first.CreatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} with other rows (or another " +
        "default_channel). Upload new rows under a new batch_id; to resume this batch, upload its original file again.");

    public static BatchRefusal TooLarge(long maxBytes) =>
        new(413, "file_too_large", $"The file is larger than {maxBytes} bytes (Batches:MaxFileBytes); split it into smaller batches.");

    private sealed class BrokerUnavailableException() : Exception("The broker did not confirm a row of the batch.");
}
