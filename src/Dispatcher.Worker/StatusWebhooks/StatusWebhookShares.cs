using Aventora.Domains.StatusWebhooks;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

/// <summary>
/// Each domain's share of this Dispatcher's delivery slots (<see cref="StatusWebhookOptions.MaxConcurrentPerDomain"/>): a tenant
/// whose endpoint is slow holds at most its share of the consumer's slots, so the others' events keep going out. Per process, as
/// the slots themselves are.
/// </summary>
public sealed class StatusWebhookShares(IOptionsMonitor<StatusWebhookOptions> options)
{
    private readonly Dictionary<string, int> _inFlight = new();

    /// <summary>A slot for one POST of <paramref name="tenant"/>'s, or null when it holds its share already; dispose it when the POST is done.</summary>
    public IDisposable? TryTake(string tenant)
    {
        lock (_inFlight)
        {
            var held = _inFlight.GetValueOrDefault(tenant);
            if (held >= options.CurrentValue.MaxConcurrentPerDomain) return null;
            _inFlight[tenant] = held + 1;
        }
        return new Slot(this, tenant);
    }

    /// <summary>The POSTs <paramref name="tenant"/> has in flight here.</summary>
    public int InFlight(string tenant)
    {
        lock (_inFlight) return _inFlight.GetValueOrDefault(tenant);
    }

    private void Return(string tenant)
    {
        lock (_inFlight)
        {
            if (_inFlight.GetValueOrDefault(tenant) <= 1) _inFlight.Remove(tenant);
            else _inFlight[tenant]--;
        }
    }

    private sealed class Slot(StatusWebhookShares shares, string tenant) : IDisposable
    {
        private int _returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0) shares.Return(tenant);
        }
    }
}
