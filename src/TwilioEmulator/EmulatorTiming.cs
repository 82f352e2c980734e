namespace Aventora.TwilioEmulator;

/// <summary>
/// How long the emulated world takes between steps (callback after callback, ring before answer).
/// Configurable (Emulator:StepDelayMs) so tests can run fast and demos can run at human speed.
/// </summary>
internal sealed class EmulatorTiming(IConfiguration configuration)
{
    public TimeSpan StepDelay { get; } =
        TimeSpan.FromMilliseconds(configuration.GetValue("Emulator:StepDelayMs", 50));

    /// <summary>How much faster than real time Media Streams play (1 = Twilio's pace, 20 ms per frame); tests speed it up.</summary>
    public double StreamSpeed { get; } = Math.Clamp(configuration.GetValue("Emulator:StreamSpeed", 1.0), 1.0, 100.0);

    /// <summary>How long a machine-answered call with asynchronous detection waits for the application's live-call update.</summary>
    public TimeSpan AmdUpdateWait { get; } =
        TimeSpan.FromMilliseconds(configuration.GetValue("Emulator:AmdUpdateWaitMs", 10_000));

    public Task StepAsync(CancellationToken ct) => StepDelay > TimeSpan.Zero ? Task.Delay(StepDelay, ct) : Task.CompletedTask;
}
