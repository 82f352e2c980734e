using System.ComponentModel.DataAnnotations;

namespace Aventora.Outbound.Campaigns;

/// <summary>Binds the <c>Pacing</c> section: each sender number's default pace by kind, and how Twilio's throttling slows it.</summary>
public sealed class PacingOptions : IValidatableObject
{
    public const string Section = "Pacing";

    /// <summary>Off: create calls go as fast as the workers take them (benchmarks against the emulator).</summary>
    public bool Enabled { get; set; } = true;

    [Range(0.01, 10_000, ErrorMessage = "Pacing:LongCodePerSecond must be between 0.01 and 10000.")]
    public double LongCodePerSecond { get; set; } = 1;

    [Range(0.01, 10_000, ErrorMessage = "Pacing:TollFreePerSecond must be between 0.01 and 10000.")]
    public double TollFreePerSecond { get; set; } = 3;

    [Range(0.01, 10_000, ErrorMessage = "Pacing:ShortCodePerSecond must be between 0.01 and 10000.")]
    public double ShortCodePerSecond { get; set; } = 100;

    [Range(0.01, 10_000, ErrorMessage = "Pacing:WhatsAppPerSecond must be between 0.01 and 10000.")]
    public double WhatsAppPerSecond { get; set; } = 20;

    /// <summary>Slots are spaced this much wider than the rate says, so that jitter between the slot and Twilio's clock never puts one too many into a second.</summary>
    [Range(0, 1, ErrorMessage = "Pacing:SafetyMargin must be between 0 and 1 (a fraction: 0.2 spaces slots 20% wider).")]
    public double SafetyMargin { get; set; } = 0.2;

    /// <summary>A slot that slipped by more than this before the create call (the process was held up) is taken again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00", ErrorMessage = "Pacing:LateTolerance must be between 1 ms and 1 minute.")]
    public TimeSpan LateTolerance { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A send whose sender slot is further off than this is parked in the schedule (<c>outbound_holds</c>) and the consumer moves on,
    /// so a paced sender's backlog never holds a worker that another sender's message is waiting for.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Pacing:ParkBeyond must be between 50 ms and 1 minute.")]
    public TimeSpan ParkBeyond { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A parked send is released this long before its slot and waits the rest in the worker: keep it above the dispatcher's
    /// <c>Scheduler:PollInterval</c> plus a broker hop, or released sends miss their slot and take a new one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Pacing:ReleaseAhead must be between 10 ms and 1 minute.")]
    public TimeSpan ReleaseAhead { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>After a 429/20429 the sender's next slot is at least this far ahead.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Pacing:ThrottleBackoff must be between 0 and 10 minutes.")]
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>For this long after a 429/20429 the sender's slots are spaced <see cref="ThrottleSlowdown"/> times wider.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Pacing:ThrottleWindow must be between 0 and 1 hour.")]
    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 100, ErrorMessage = "Pacing:ThrottleSlowdown must be between 1 and 100.")]
    public double ThrottleSlowdown { get; set; } = 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReleaseAhead >= ParkBeyond)
            yield return new ValidationResult($"Pacing:ReleaseAhead ({ReleaseAhead}) must be shorter than Pacing:ParkBeyond ({ParkBeyond}), or a released send would be parked again.");
    }
}
