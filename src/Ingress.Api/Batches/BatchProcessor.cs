using System.Diagnostics;
using Aventora.Contracts;
using Aventora.Contracts.Outbound;
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
    /// <summary>Rows the broker has confirmed so far (the publisher carries on in the background).</summary>
    public int PublishedCount { get; init; }
}

/// <summary>
/// The one way a CSV batch comes in, for the API, the drop folder and mail attachments. The file, already spooled, is read in
/// one streaming pass that checks it as a whole (text, header, quoting: a refused file publishes nothing) and validates each
/// row with <see cref="OutboundRequestValidator"/>, counting accepted and rejected rows. A file that can be taken is kept in the
/// spool folder and the batch recorded <c>publishing</c>; <see cref="BatchPublisher"/> publishes its good rows in the background.
/// So the caller's answer never waits for the broker, and memory stays flat whatever the file's size.
/// Each row's RequestId is derived from the batch id and its line, so a retried batch sends nothing twice; a retry with other
/// content is refused (the batch's content hash), since its rows would silently not go out.
/// </summary>
public sealed class BatchProcessor(
    BatchRepository batches, BatchPublisher publisher, IOptions<BatchOptions> options, ILogger<BatchProcessor> logger)
{
    /// <summary>Checks and validates the spooled file and, when it can be taken, hands it to the publisher. Exactly one of the results is set.</summary>
    public async Task<(BatchOutcome? Outcome, BatchRefusal? Refusal)> AcceptAsync(BatchUpload upload, SpooledFile file, CancellationToken cancellationToken)
    {
        using var _ = LogContext.PushProperty("BatchId", upload.BatchId);
        if (file.Stream.Length > options.Value.MaxFileBytes) return (null, TooLarge(options.Value.MaxFileBytes));
        var elapsed = Stopwatch.StartNew();
        var rows = new RowTally(options.Value.MaxRejectedRowsReported);
        file.Stream.Position = 0;
        if (await CsvBatchReader.CheckAsync(file.Stream, upload.DefaultChannel, row => rows.Add(Validate(row, upload.DomainName), row.LineNumber), cancellationToken) is { } refusal)
        {
            logger.LogInformation("Refused {Source} batch for domain {DomainName}: {RefusalCode}", upload.Source, upload.DomainName, refusal.Code);
            return (null, refusal);
        }

        var contentHash = upload.ContentHash ?? await BatchContent.HashAsync(file.Stream, upload.DefaultChannel, cancellationToken);
        var clientBatchId = upload.ClientBatchId ?? upload.BatchId.ToString();
        await file.KeepAsync();
        BatchStart? start;
        try
        {
            start = await batches.StartAsync(new NewBatch(
                upload.BatchId, clientBatchId, upload.DomainName, upload.Source, upload.FileName, upload.DefaultChannel, contentHash)
            {
                SpoolPath = file.Path,
                AcceptedCount = rows.Accepted,
                RejectedCount = rows.RejectedCount,
                LeaseOwner = publisher.Owner,
                LeaseFor = options.Value.LeaseFor,
            }, cancellationToken);
        }
        catch
        {
            SpooledFile.TryDelete(file.Path);
            throw;
        }
        if (start is not { TookSpool: true }) SpooledFile.TryDelete(file.Path);
        if (start is null)
            return (null, new BatchRefusal(409, "batch_id_taken", $"Batch {upload.BatchId} belongs to another domain; use a new batch id."));
        if (start.ContentDiffers)
        {
            logger.LogInformation("Refused {Source} batch {ClientBatchId} for domain {DomainName}: other content than its first upload",
                upload.Source, clientBatchId, upload.DomainName);
            return (null, ContentDiffers(start.Batch));
        }
        if (start.TookSpool) publisher.Notify(start.Batch.Id);

        logger.LogInformation(
            "{Source} batch for domain {DomainName} accepted ({BatchStatus}): {AcceptedCount} rows to publish, {RejectedCount} rejected, validated in {ElapsedMs} ms",
            upload.Source, upload.DomainName, start.Batch.Status, rows.Accepted, rows.RejectedCount, elapsed.ElapsedMilliseconds);
        return (new BatchOutcome(start.Batch.Id, start.Batch.Status, rows.Accepted, rows.RejectedCount, rows.Rejected, rows.RejectedCount > rows.Rejected.Count)
        {
            ClientBatchId = start.Batch.ClientBatchId,
            PublishedCount = start.Batch.PublishedCount,
        }, null);
    }

    /// <summary>A row checked as <c>POST /start</c> checks a body: the valid request, or why not. The publisher validates the same way.</summary>
    public static (ValidRequest? Valid, IReadOnlyDictionary<string, string[]>? Errors) Validate(CsvRow row, string domainName)
    {
        if (row.Malformed is not null) return (null, new Dictionary<string, string[]> { ["row"] = [row.Malformed] });
        return OutboundRequestValidator.TryValidate(row.Request with { DomainName = domainName }, out var valid, out var errors)
            ? (valid, null)
            : (null, errors);
    }

    /// <summary>The message a valid row of a batch becomes: its RequestId derived from the batch and line, so republishing is harmless.</summary>
    public static OutboundRequested ToMessage(ValidRequest valid, Guid batchId, int lineNumber) =>
        StartEndpoints.ToOutboundRequested(valid, NameBasedGuid.ForLine(batchId, lineNumber), RequestSources.Csv, batchId, lineNumber);

    private sealed class RowTally(int maxReported)
    {
        public int Accepted { get; private set; }
        public int RejectedCount { get; private set; }
        public List<RejectedRow> Rejected { get; } = [];

        public void Add((ValidRequest? Valid, IReadOnlyDictionary<string, string[]>? Errors) result, int lineNumber)
        {
            if (result.Valid is not null) { Accepted++; return; }
            RejectedCount++;
            if (Rejected.Count < maxReported) Rejected.Add(new RejectedRow(lineNumber, result.Errors!));
        }
    }

    private static BatchRefusal ContentDiffers(BatchRow first) => new(409, "batch_content_differs",
        $"Batch '{first.ClientBatchId}' was first uploaded at {first.CreatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} with other rows (or another " +
        "default_channel). Upload new rows under a new batch_id; to resume this batch, upload its original file again.");

    public static BatchRefusal TooLarge(long maxBytes) =>
        new(413, "file_too_large", $"The file is larger than {maxBytes} bytes (Batches:MaxFileBytes); split it into smaller batches.");
}
