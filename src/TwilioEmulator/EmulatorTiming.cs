namespace Aventora.TwilioEmulator;

/// <summary>
/// How long the emulated world takes between steps (callback after callback, ring before answer).
/// Configurable (Emulator:StepDelayMs) so tests can run fast and demos can run at human speed.
/// </summary>
internal sealed class EmulatorTiming(IConfiguration configuration)
{
    public TimeSpan StepDelay { get; } =
        TimeSpan.FromMilliseconds(configuration.GetValue("Emulator:StepDelayMs", 50));

    public Task StepAsync(CancellationToken ct) => StepDelay > TimeSpan.Zero ? Task.Delay(StepDelay, ct) : Task.CompletedTask;
}
