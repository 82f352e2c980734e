using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Inspection;

/// <summary>Every REST request and every webhook the emulator sent, in arrival order.</summary>
internal sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<SentWebhook> _webhooks = [];
    private long _nextId;

    public void Add(Func<long, RecordedRequest> create)
    {
        lock (_gate) _requests.Add(create(++_nextId));
    }

    public void AddWebhook(SentWebhook webhook)
    {
        lock (_gate) _webhooks.Add(webhook);
    }

    public IReadOnlyList<RecordedRequest> Requests(string? to)
    {
        lock (_gate) return _requests.Where(r => ToMatch.Matches(to, r.To)).ToList();
    }

    public IReadOnlyList<SentWebhook> Webhooks(string? to)
    {
        lock (_gate) return _webhooks.Where(w => ToMatch.Matches(to, w.Form.GetValueOrDefault("To"))).ToList();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
            _webhooks.Clear();
        }
    }
}
