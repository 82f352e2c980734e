namespace Aventora.TwilioEmulator.Callbacks;

/// <summary>
/// Fire-and-forget work (status callbacks, call walks) that must not outlive the app nor fail silently.
/// </summary>
internal sealed class BackgroundJobs(IHostApplicationLifetime lifetime, ILogger<BackgroundJobs> logger)
{
    public void Start(string name, Func<CancellationToken, Task> work)
    {
        var stopping = lifetime.ApplicationStopping;
        _ = Task.Run(async () =>
        {
            try
            {
                await work(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The emulator is shutting down; unfinished walks simply stop.
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Background job {Job} failed", name);
            }
        }, CancellationToken.None);
    }
}
