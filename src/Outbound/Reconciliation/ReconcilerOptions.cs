using System.ComponentModel.DataAnnotations;

namespace Aventora.Outbound.Reconciliation;

/// <summary>
/// Binds the <c>Reconciler</c> section: how the workers settle what a fault left open. A send whose answer was lost is looked up
/// at Twilio, never resent; a request whose status went quiet is fetched from Twilio; held credits of settled requests are released
/// or billed.
/// </summary>
public sealed class ReconcilerOptions
{
    public const string Section = "Reconciler";

    public bool Enabled { get; set; } = true;

    /// <summary>How often each worker looks for work.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after an unconfirmed create the reconciler first asks Twilio (Twilio's lists show a new resource within seconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UnconfirmedAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A claim still <c>sending</c> this long after it began belongs to a worker that died or lost the database mid-attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StuckSendingAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long after the attempt began Twilio is asked before the request is failed as <c>outcome_unknown</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A request with no final status and no news for this long has its status fetched from Twilio (a lost callback heals).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan QuietAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Held credits of a request that reached a final status this long ago are settled or released.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan ReservationSweepAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long recording Twilio's answer is retried (database away) before it is left to the reconciler.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RecordRetryFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Rows each pass takes at most.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;
}
