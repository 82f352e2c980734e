using System.ComponentModel.DataAnnotations;
using Aventora.Contracts;

namespace Aventora.Ingress.Api.Batches;

/// <summary>Binds the <c>Batches</c> section: CSV batch limits, the spool folder, the background publisher and the drop folder.</summary>
public sealed class BatchOptions : IValidatableObject
{
    public const string Section = "Batches";

    /// <summary>Largest CSV accepted, in bytes (413 above it).</summary>
    [Range(1, long.MaxValue)] public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;
    /// <summary>How many rejected rows an answer or result file lists; the counts are always whole.</summary>
    [Range(0, 10_000)] public int MaxRejectedRowsReported { get; set; } = 100;
    /// <summary>
    /// Publishes of one batch awaiting the broker's confirmation at once: bounds memory and sets throughput (each confirm is a
    /// round trip, so more in flight means more rows/s until the broker or the CPU is the limit).
    /// </summary>
    [Range(1, 1024)] public int PublishConcurrency { get; set; } = 128;
    /// <summary>Good rows published together before the batch's progress (published_count, the line to resume after) is recorded.</summary>
    [Range(1, 100_000)] public int PublishChunkRows { get; set; } = 1000;
    /// <summary>
    /// Chunks (<see cref="PublishChunkRows"/> rows) one Ingress publishes at once, handed out round-robin over tenants between the
    /// batches it holds (<see cref="BatchTurns"/>): a lone tenant's batches use every slot, several tenants share them.
    /// </summary>
    [Range(1, 64)] public int MaxBatchesPublishing { get; set; } = 2;
    /// <summary>
    /// Batches one Ingress holds (leases, files open) and rotates between, each tenant's first waiting batch before any tenant's
    /// second; more wait in the database for this or another copy. At least <see cref="MaxBatchesPublishing"/>.
    /// </summary>
    [Range(1, 1024)] public int MaxBatchesHeld { get; set; } = 16;
    /// <summary>
    /// Durable folder where uploaded files are kept from the upload until every good row is published (a restarted Ingress
    /// resumes from it). Relative paths are under the content root; when empty, <c>/var/tmp/aventora-batches</c> (the content
    /// root's <c>spool</c> folder on Windows). Created at startup if missing; startup fails when it cannot be written.
    /// Several Ingress copies should share it (the same path on every copy), so that any of them can resume a batch.
    /// </summary>
    public string? SpoolFolder { get; set; }
    /// <summary>How long a copy's claim on a batch lasts without progress; another copy takes the batch over once it has expired.</summary>
    public TimeSpan LeaseFor { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How often the publisher looks for batches left publishing (by a stopped or dead copy) besides those it is told of.</summary>
    public TimeSpan ResumePollInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Longest wait between tries while the broker is unavailable (the wait doubles from 1 s up to this).</summary>
    public TimeSpan BrokerRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Watched folder, one sub-folder per domain (<c>DropFolder/{domain}/*.csv</c>); no watching when empty.</summary>
    public string? DropFolder { get; set; }
    /// <summary>How often the drop folder is looked at; a file is taken once its size and time stayed the same across two looks.</summary>
    public TimeSpan DropPollInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Channel for dropped rows without one (the API takes it per upload as <c>default_channel</c>).</summary>
    public string? DropDefaultChannel { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseFor < TimeSpan.FromSeconds(1) || LeaseFor > TimeSpan.FromHours(1))
            yield return new ValidationResult($"Batches:LeaseFor must be between 00:00:01 and 01:00:00, not {LeaseFor}.");
        if (ResumePollInterval < TimeSpan.FromMilliseconds(50) || ResumePollInterval > TimeSpan.FromHours(1))
            yield return new ValidationResult($"Batches:ResumePollInterval must be between 00:00:00.05 and 01:00:00, not {ResumePollInterval}.");
        if (BrokerRetryMaxDelay < TimeSpan.FromSeconds(1) || BrokerRetryMaxDelay > TimeSpan.FromMinutes(10))
            yield return new ValidationResult($"Batches:BrokerRetryMaxDelay must be between 00:00:01 and 00:10:00, not {BrokerRetryMaxDelay}.");
        if (MaxBatchesHeld < MaxBatchesPublishing)
            yield return new ValidationResult($"Batches:MaxBatchesHeld ({MaxBatchesHeld}) must be at least Batches:MaxBatchesPublishing ({MaxBatchesPublishing}).");
        if (DropPollInterval < TimeSpan.FromMilliseconds(50) || DropPollInterval > TimeSpan.FromHours(1))
            yield return new ValidationResult($"Batches:DropPollInterval must be between 00:00:00.05 and 01:00:00, not {DropPollInterval}.");
        if (DropDefaultChannel is { Length: > 0 } channel && !Channels.ValidChannels.Contains(channel))
            yield return new ValidationResult($"Batches:DropDefaultChannel '{channel}' is not valid: use one of {string.Join(", ", Channels.ValidChannels)}.");
    }
}
