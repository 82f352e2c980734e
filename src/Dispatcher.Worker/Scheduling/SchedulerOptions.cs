using System.ComponentModel.DataAnnotations;

namespace Aventora.Dispatcher.Worker.Scheduling;

/// <summary>Binds the <c>Scheduler</c> section: how the dispatcher releases held requests (send_at, quiet hours, paused batches).</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>How often each dispatcher copy looks for due holds: a request goes at most about this late.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Scheduler:PollInterval must be between 50 ms and 10 minutes.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A released hold whose message was lost is released again after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Scheduler:LeaseFor must be between 1 second and 1 hour.")]
    public TimeSpan LeaseFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Holds released per look.</summary>
    [Range(1, 10_000, ErrorMessage = "Scheduler:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 500;
}
