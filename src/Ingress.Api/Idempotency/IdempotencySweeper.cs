using Aventora.Persistence.Idempotency;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Idempotency;

/// <summary>
/// Deletes keys older than <c>Idempotency:KeepFor</c> every <c>Idempotency:SweepInterval</c>, a thousand at a time. Every Ingress
/// runs one: the deletes skip rows another sweeper holds, and a key past its time is treated as new even before it is swept.
/// </summary>
public sealed class IdempotencySweeper(IdempotencyKeyRepository keys, IOptions<IdempotencyOptions> options, ILogger<IdempotencySweeper> logger)
    : BackgroundService
{
    private const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        do
        {
            try
            {
                int deleted, total = 0;
                do
                {
                    deleted = await keys.SweepAsync(options.Value.KeepFor, BatchSize, stoppingToken);
                    total += deleted;
                } while (deleted == BatchSize && !stoppingToken.IsCancellationRequested);
                if (total > 0) logger.LogInformation("Swept {Count} idempotency keys older than {KeepFor}", total, options.Value.KeepFor);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogWarning("Idempotency key sweep failed ({ErrorType}: {Error}); trying again in {SweepInterval}",
                    e.GetType().Name, e.Message, options.Value.SweepInterval);
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try { return await timer.WaitForNextTickAsync(stoppingToken); }
        catch (OperationCanceledException) { return false; }
    }
}
