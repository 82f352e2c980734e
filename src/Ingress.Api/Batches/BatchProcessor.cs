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
public sealed record BatchUpload(Guid BatchId, string DomainName, string? DefaultChannel, string Source, string? FileName);

public sealed record RejectedRow(int LineNumber, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>What became of a batch's rows. <see cref="RejectedRows"/> lists at most the configured number; the counts are whole.</summary>
public sealed record BatchOutcome(
    Guid BatchId, string Status, int AcceptedCount, int RejectedCount, IReadOnlyList<RejectedRow> RejectedRows, bool RejectedRowsTruncated);

/// <summary>
/// The one way a CSV batch goes out, for the API, the drop folder and mail attachments. Two passes over a seekable file:
/// the first checks the file as a whole (text, header, quoting) so a refused file publishes nothing; the second validates each
/// row with <see cref="OutboundRequestValidator"/> and publishes the good ones through a bounded pipeline (at most
/// <see cref="BatchOptions.PublishConcurrency"/> awaiting the broker), so memory stays flat whatever the file's size.
/// Each row's RequestId is derived from the batch id and its line, so a retried batch sends nothing twice.
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

        var batch = await batches.StartAsync(upload.BatchId, upload.DomainName, upload.Source, upload.FileName, upload.DefaultChannel, cancellationToken);
        if (!string.Equals(batch.DomainName, upload.DomainName, StringComparison.Ordinal))
            return (null, new BatchRefusal(409, "batch_id_taken", $"Batch {upload.BatchId} belongs to another domain; use a new batch id."));

        file.Position = 0;
        var elapsed = Stopwatch.StartNew();
        var rejected = new List<RejectedRow>();
        int rejectedCount = 0, acceptedCount = 0;
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
                        valid!, NameBasedGuid.ForLine(upload.BatchId, row.LineNumber), RequestSources.Csv, upload.BatchId, row.LineNumber);
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
            });
        }
        catch (BrokerUnavailableException)
        {
            status = BatchStatus.Interrupted;
        }
        await batches.FinishAsync(upload.BatchId, status, acceptedCount, rejectedCount, CancellationToken.None);
        logger.LogInformation(
            "{Source} batch for domain {DomainName} {BatchStatus}: {AcceptedCount} rows accepted, {RejectedCount} rejected in {ElapsedMs} ms",
            upload.Source, upload.DomainName, status, acceptedCount, rejectedCount, elapsed.ElapsedMilliseconds);
        return (new BatchOutcome(upload.BatchId, status, acceptedCount, rejectedCount, rejected, rejectedCount > rejected.Count), null);
    }

    public static BatchRefusal TooLarge(long maxBytes) =>
        new(413, "file_too_large", $"The file is larger than {maxBytes} bytes (Batches:MaxFileBytes); split it into smaller batches.");

    private sealed class BrokerUnavailableException() : Exception("The broker did not confirm a row of the batch.");
}
