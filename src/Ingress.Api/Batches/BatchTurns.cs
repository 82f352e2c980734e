namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// The publisher's chunk slots (<see cref="BatchOptions.MaxBatchesPublishing"/>), handed out round-robin over tenants rather than
/// first come: a free slot goes to the waiting tenant with the fewest chunks under way, and among those to the one served longest
/// ago; a tenant's own batches take their turns in the order they asked. So a tenant's huge batch, or its second one, yields to
/// another tenant's batch at every chunk, and a lone tenant still gets every slot.
/// </summary>
public sealed class BatchTurns(int slots)
{
    private sealed class Tenant
    {
        public int Busy;
        public long LastServed;
        public readonly LinkedList<TaskCompletionSource<IDisposable>> Waiting = new();
    }

    /// <summary>Idle tenants are remembered (when they were served) up to this many, then forgotten.</summary>
    private const int MaxRemembered = 1024;

    private readonly Dictionary<string, Tenant> _tenants = new();
    private int _free = slots;
    private long _served;

    /// <summary>Waits for a slot for one chunk of <paramref name="tenant"/>'s; dispose the answer when the chunk is done.</summary>
    public async Task<IDisposable> WaitAsync(string tenant, CancellationToken cancellationToken)
    {
        TaskCompletionSource<IDisposable> waiter;
        LinkedListNode<TaskCompletionSource<IDisposable>> node;
        lock (_tenants)
        {
            var state = StateOf(tenant);
            if (_free > 0) return Grant(tenant, state);
            waiter = new TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = state.Waiting.AddLast(waiter);
        }
        await using var cancelled = cancellationToken.Register(() =>
        {
            lock (_tenants)
            {
                if (node.List is null) return; // granted already: the slot is the waiter's to give back
                node.List.Remove(node);
            }
            waiter.TrySetCanceled(cancellationToken);
        });
        return await waiter.Task;
    }

    /// <summary>Chunks of <paramref name="tenant"/>'s under way (for tests and logs).</summary>
    public int Busy(string tenant)
    {
        lock (_tenants) return _tenants.TryGetValue(tenant, out var state) ? state.Busy : 0;
    }

    private Tenant StateOf(string tenant)
    {
        if (!_tenants.TryGetValue(tenant, out var state)) _tenants[tenant] = state = new Tenant();
        return state;
    }

    private IDisposable Grant(string tenant, Tenant state)
    {
        _free--;
        state.Busy++;
        state.LastServed = ++_served;
        return new Turn(this, tenant);
    }

    private void Return(string tenant)
    {
        var granted = new List<(TaskCompletionSource<IDisposable> Waiter, IDisposable Turn)>();
        lock (_tenants)
        {
            _free++;
            _tenants[tenant].Busy--;
            if (_tenants.Count > MaxRemembered) ForgetIdle();
            while (_free > 0)
            {
                var next = _tenants.Where(t => t.Value.Waiting.Count > 0)
                    .OrderBy(t => t.Value.Busy).ThenBy(t => t.Value.LastServed).Select(t => t.Key).FirstOrDefault();
                if (next is null) break;
                var state = _tenants[next];
                var waiter = state.Waiting.First!.Value;
                state.Waiting.RemoveFirst();
                granted.Add((waiter, Grant(next, state)));
            }
        }
        // Completed outside the lock; a waiter cancelled meanwhile gives its slot straight back.
        foreach (var (waiter, turn) in granted)
            if (!waiter.TrySetResult(turn)) turn.Dispose();
    }

    private void ForgetIdle()
    {
        foreach (var (key, state) in _tenants.ToList())
            if (state.Busy == 0 && state.Waiting.Count == 0) _tenants.Remove(key);
    }

    private sealed class Turn(BatchTurns turns, string tenant) : IDisposable
    {
        private int _returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0) turns.Return(tenant);
        }
    }
}
