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

    /// <summary>Up to <paramref name="take"/> requests with Id above <paramref name="afterId"/>, oldest first (Ids ascend: binary search).</summary>
    public (List<RecordedRequest> Page, int Total) RequestsAfter(long afterId, string? to, int take)
    {
        lock (_gate)
        {
            int low = 0, high = _requests.Count;
            while (low < high)
            {
                var mid = low + (high - low) / 2;
                if (_requests[mid].Id <= afterId) low = mid + 1;
                else high = mid;
            }
            var page = new List<RecordedRequest>(Math.Min(take, 1024));
            for (var i = low; i < _requests.Count && page.Count < take; i++)
                if (ToMatch.Matches(to, _requests[i].To)) page.Add(_requests[i]);
            return (page, _requests.Count);
        }
    }

    public IReadOnlyList<SentWebhook> Webhooks(string? to)
    {
        lock (_gate) return _webhooks.Where(w => ToMatch.Matches(to, w.Form.GetValueOrDefault("To"))).ToList();
    }

    public RequestStats RequestStats()
    {
        lock (_gate)
            return new RequestStats(_requests.Count, EmulatorStatistics.Count(_requests.Select(r => r.StatusCode)),
                EmulatorStatistics.Count(_requests.Where(r => r.AnswerFault is not null).Select(r => r.AnswerFault!)));
    }

    public WebhookStats WebhookStats()
    {
        lock (_gate)
            return new WebhookStats(_webhooks.Count, EmulatorStatistics.Count(_webhooks.Select(w => w.Kind)),
                EmulatorStatistics.Count(_webhooks.Select(w => w.Status)));
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
