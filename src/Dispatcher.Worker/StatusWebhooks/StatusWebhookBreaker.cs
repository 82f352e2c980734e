using Aventora.Domains.StatusWebhooks;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

/// <summary>
/// A circuit breaker per endpoint, keyed by tenant and URL: after <see cref="StatusWebhookOptions.BreakAfterFailures"/> consecutive
/// failed or timed-out POSTs to one endpoint it is not called for <see cref="StatusWebhookOptions.BreakFor"/>; then one delivery
/// tries it (half-open) and its outcome closes the circuit or opens it again. Keyed by tenant too, so that a tenant pointing its
/// webhook at another's URL (its POSTs then refused) cannot open the other tenant's circuit. Per process; a success forgets the
/// endpoint, so only failing endpoints are held. Polly's breaker counts a failure ratio over a sampling window and keeps one
/// pipeline per key for good; this one counts consecutive failures, as the README promises, and lets go of healthy endpoints.
/// </summary>
public sealed class StatusWebhookBreaker(IOptionsMonitor<StatusWebhookOptions> options, TimeProvider clock)
{
    /// <summary>Beyond this many endpoints held, closed ones (failing, not yet open) are forgotten first.</summary>
    private const int MaxHeld = 10_000;

    private sealed class Circuit
    {
        public int Failures;
        public DateTimeOffset? OpenUntil;
        public DateTimeOffset? TrialUntil; // a half-open trial is out until then (it reports back; this only covers one that never does)
    }

    private readonly Dictionary<string, Circuit> _circuits = new();

    public static string Key(string tenant, string url) => tenant + " " + url;

    /// <summary>
    /// Null when the endpoint may be called now (closed, or this call is the half-open trial); otherwise when to try again.
    /// </summary>
    public DateTimeOffset? RefusedUntil(string key)
    {
        var now = clock.GetUtcNow();
        lock (_circuits)
        {
            if (!_circuits.TryGetValue(key, out var circuit) || circuit.OpenUntil is not { } openUntil) return null;
            if (now < openUntil) return openUntil;
            if (circuit.TrialUntil is { } trialUntil && now < trialUntil) return now + options.CurrentValue.OverShareRetryAfter;
            circuit.TrialUntil = now + options.CurrentValue.Timeout + TimeSpan.FromSeconds(5);
            return null;
        }
    }

    /// <summary>The endpoint answered 2xx: its circuit closes and it is forgotten.</summary>
    public void Succeeded(string key)
    {
        lock (_circuits) _circuits.Remove(key);
    }

    /// <summary>A POST failed or timed out; returns when the circuit opened because of it (null when it did not open now).</summary>
    public DateTimeOffset? Failed(string key)
    {
        var now = clock.GetUtcNow();
        var settings = options.CurrentValue;
        lock (_circuits)
        {
            if (!_circuits.TryGetValue(key, out var circuit))
            {
                if (_circuits.Count >= MaxHeld) ForgetClosed();
                _circuits[key] = circuit = new Circuit();
            }
            circuit.Failures++;
            var trialFailed = circuit.TrialUntil is not null;
            if (!trialFailed && (circuit.OpenUntil is not null || circuit.Failures < settings.BreakAfterFailures)) return null;
            circuit.TrialUntil = null;
            circuit.OpenUntil = now + settings.BreakFor;
            return circuit.OpenUntil;
        }
    }

    private void ForgetClosed()
    {
        foreach (var (key, circuit) in _circuits.ToList())
            if (circuit.OpenUntil is null) _circuits.Remove(key);
    }
}
