using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// The streams this process holds, against <c>VoiceStream:MaxConcurrentStreams</c> in all and <c>VoiceStream:MaxStreamsPerDomain</c>
/// for any one domain, so a tenant that fills its share leaves the rest of the process to the others.
/// </summary>
public sealed class StreamCapacity(IOptions<VoiceStreamOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _byDomain = new(StringComparer.Ordinal);
    private int _active;

    public int Active => Volatile.Read(ref _active);

    /// <summary>The streams <paramref name="domainName"/> holds here.</summary>
    public int ActiveFor(string? domainName)
    {
        lock (_gate) return _byDomain.GetValueOrDefault(domainName ?? "");
    }

    /// <summary>A hint for the TwiML answer: a full process, or a domain at its share, sends the call to Gather before Twilio even connects.</summary>
    public bool HasRoomFor(string? domainName)
    {
        lock (_gate) return _active < options.Value.MaxConcurrentStreams && _byDomain.GetValueOrDefault(domainName ?? "") < options.Value.MaxStreamsPerDomain;
    }

    /// <summary>Takes a place for the domain's stream, or null when the process or the domain is full (the stream is then refused).</summary>
    public Slot? TryEnter(string? domainName)
    {
        var domain = domainName ?? "";
        lock (_gate)
        {
            var held = _byDomain.GetValueOrDefault(domain);
            if (_active >= options.Value.MaxConcurrentStreams || held >= options.Value.MaxStreamsPerDomain) return null;
            _byDomain[domain] = held + 1;
            Volatile.Write(ref _active, _active + 1);
        }
        return new Slot(this, domain);
    }

    private void Exit(string domain)
    {
        lock (_gate)
        {
            if (_byDomain[domain] == 1) _byDomain.Remove(domain);
            else _byDomain[domain]--;
            Volatile.Write(ref _active, _active - 1);
        }
    }

    /// <summary>A held place; disposing it gives it back (once).</summary>
    public sealed class Slot(StreamCapacity capacity, string domain) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) capacity.Exit(domain);
        }
    }
}
