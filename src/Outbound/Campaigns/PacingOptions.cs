using System.ComponentModel.DataAnnotations;

namespace Aventora.Outbound.Campaigns;

/// <summary>Binds the <c>Pacing</c> section: each sender number's default pace by kind, and how Twilio's throttling slows it.</summary>
public sealed class PacingOptions
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

    /// <summary>After a 429/20429 the sender's next slot is at least this far ahead.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Pacing:ThrottleBackoff must be between 0 and 10 minutes.")]
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>For this long after a 429/20429 the sender's slots are spaced <see cref="ThrottleSlowdown"/> times wider.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Pacing:ThrottleWindow must be between 0 and 1 hour.")]
    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 100, ErrorMessage = "Pacing:ThrottleSlowdown must be between 1 and 100.")]
    public double ThrottleSlowdown { get; set; } = 2;
}
