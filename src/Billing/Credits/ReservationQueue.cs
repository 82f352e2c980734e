using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Aventora.Billing.Credits;

/// <summary>
/// Reserves credits for many concurrent requests at once: every caller waits for its own answer, but callers that arrive while a
/// group is being written are written together as the next group (<see cref="CreditRepository.ReserveManyAsync"/>: one round
/// trip, one lock of each domain's account). Nothing waits for a group to fill: an idle queue writes a lone request at once,
/// and a busy one groups whatever arrived meanwhile, up to <see cref="MaxGroup"/>. So a domain's campaign takes its account
/// row's lock once per group instead of once per request, which is what held every reservation of one domain in line.
/// </summary>
public sealed class ReservationQueue : IAsyncDisposable
{
    public const int MaxGroup = 200;
    private const int Writers = 2;

    private readonly CreditRepository _credits;
    private readonly ILogger<ReservationQueue> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _writers;

    private sealed record Pending(CreditHold Hold, TaskCompletionSource<ReservationResult> Answer);

    public ReservationQueue(CreditRepository credits, ILogger<ReservationQueue> logger)
    {
        _credits = credits;
        _logger = logger;
        _writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteGroupsAsync)).ToArray();
    }

    /// <summary>Holds <paramref name="credits"/> for the request, with the requests waiting beside it; see <see cref="CreditRepository.ReserveManyAsync"/>.</summary>
    public async Task<ReservationResult> ReserveAsync(string domainName, Guid requestId, int credits, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<ReservationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Pending(new CreditHold(domainName, requestId, credits), answer), cancellationToken);
        return await answer.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var pending)) group.Add(pending);
            if (group.Count == 0) continue;
            try
            {
                var results = await _credits.ReserveManyAsync(group.Select(p => p.Hold).ToArray(), CancellationToken.None);
                foreach (var pending in group) pending.Answer.TrySetResult(results[pending.Hold.RequestId]);
            }
            catch (Exception e)
            {
                // Each caller's consumer sees the failure and is retried with backoff (a database outage is transient).
                _logger.LogWarning("Reserving credits for {Count} requests failed: {Error}", group.Count, e.GetType().Name);
                foreach (var pending in group) pending.Answer.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }
}
