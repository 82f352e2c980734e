using System.ComponentModel.DataAnnotations;
using Aventora.Contracts;

namespace Aventora.Ingress.Api.Batches;

/// <summary>Binds the <c>Batches</c> section: CSV batch limits and the drop folder.</summary>
public sealed class BatchOptions : IValidatableObject
{
    public const string Section = "Batches";

    /// <summary>Largest CSV accepted, in bytes (413 above it).</summary>
    [Range(1, long.MaxValue)] public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;
    /// <summary>How many rejected rows an answer or result file lists; the counts are always whole.</summary>
    [Range(0, 10_000)] public int MaxRejectedRowsReported { get; set; } = 100;
    /// <summary>Publishes awaiting the broker's confirmation at once: bounds memory and sets throughput.</summary>
    [Range(1, 1024)] public int PublishConcurrency { get; set; } = 32;
    /// <summary>Where files are spooled while a batch is checked then published; the system temp folder when empty.</summary>
    public string? SpoolFolder { get; set; }

    /// <summary>Watched folder, one sub-folder per domain (<c>DropFolder/{domain}/*.csv</c>); no watching when empty.</summary>
    public string? DropFolder { get; set; }
    /// <summary>How often the drop folder is looked at; a file is taken once its size and time stayed the same across two looks.</summary>
    public TimeSpan DropPollInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Channel for dropped rows without one (the API takes it per upload as <c>default_channel</c>).</summary>
    public string? DropDefaultChannel { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DropPollInterval < TimeSpan.FromMilliseconds(50) || DropPollInterval > TimeSpan.FromHours(1))
            yield return new ValidationResult($"Batches:DropPollInterval must be between 00:00:00.05 and 01:00:00, not {DropPollInterval}.");
        if (DropDefaultChannel is { Length: > 0 } channel && !Channels.ValidChannels.Contains(channel))
            yield return new ValidationResult($"Batches:DropDefaultChannel '{channel}' is not valid: use one of {string.Join(", ", Channels.ValidChannels)}.");
    }
}
