using System.Collections.Concurrent;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Listing;

/// <summary>What the index needs of a message or call: its SID, account, number and the place it was given on creation.</summary>
internal interface IListedResource
{
    string Sid { get; }
    string AccountSid { get; }
    string To { get; }

    /// <summary>Set once by <see cref="CreationIndex{T}.Add"/>: creation order, strictly increasing, the paging key.</summary>
    long Sequence { get; set; }
}

/// <summary>
/// Messages or calls in creation order, plus an index by bare To number, so that creating stays O(1) and a list read
/// (Twilio's, or an inspection page) costs a binary search plus the page instead of a scan of everything the
/// emulator holds: a benchmark leaves 100,000+ of them behind. One short lock guards the ordered lists; lookups by
/// SID never take it.
/// </summary>
internal sealed class CreationIndex<T> where T : class, IListedResource
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, T> _bySid = new(StringComparer.Ordinal);
    private readonly List<T> _all = [];
    private readonly Dictionary<string, List<T>> _byTo = new(StringComparer.Ordinal);
    private long _lastSequence;

    public void Add(T item)
    {
        lock (_gate)
        {
            item.Sequence = ++_lastSequence;
            _all.Add(item);
            var to = PhoneNumber.Bare(item.To);
            if (!_byTo.TryGetValue(to, out var list)) _byTo[to] = list = [];
            list.Add(item);
            // Inside the lock: whatever a page shows can be used as a paging token at once.
            _bySid[item.Sid] = item;
        }
    }

    public T? Find(string sid) => _bySid.GetValueOrDefault(sid);

    /// <summary>How many items there are (to one number when given).</summary>
    public int Count(string? to = null)
    {
        lock (_gate) return ListFor(to).Count;
    }

    /// <summary>Everything, oldest first: for statistics, which must see every record anyway.</summary>
    public IReadOnlyList<T> All()
    {
        lock (_gate) return _all.ToList();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _all.Clear();
            _byTo.Clear();
            _bySid.Clear();
        }
    }

    /// <summary>
    /// Up to <paramref name="take"/> items matching <paramref name="match"/>, newest first, starting below
    /// <paramref name="beforeSequence"/> (exclusive) when given, after skipping <paramref name="skip"/> matches.
    /// <paramref name="to"/> narrows the walk to one number's items.
    /// </summary>
    public List<T> NewestFirst(string? to, Func<T, bool> match, long? beforeSequence, int skip, int take)
    {
        var page = new List<T>(Math.Min(take, 1024));
        lock (_gate)
        {
            var list = ListFor(to);
            var start = beforeSequence is { } before ? FirstIndexAtOrAbove(list, before) - 1 : list.Count - 1;
            for (var i = start; i >= 0 && page.Count < take; i--)
            {
                if (!match(list[i])) continue;
                if (skip > 0) skip--;
                else page.Add(list[i]);
            }
        }
        return page;
    }

    /// <summary>Up to <paramref name="take"/> matching items, oldest first, strictly above <paramref name="afterSequence"/> when given.</summary>
    public List<T> OldestFirst(string? to, Func<T, bool> match, long? afterSequence, int skip, int take)
    {
        var page = new List<T>(Math.Min(take, 1024));
        lock (_gate)
        {
            var list = ListFor(to);
            var start = afterSequence is { } after ? FirstIndexAtOrAbove(list, after + 1) : 0;
            for (var i = start; i < list.Count && page.Count < take; i++)
            {
                if (!match(list[i])) continue;
                if (skip > 0) skip--;
                else page.Add(list[i]);
            }
        }
        return page;
    }

    private List<T> ListFor(string? to) =>
        string.IsNullOrWhiteSpace(to) ? _all : _byTo.GetValueOrDefault(PhoneNumber.Bare(to)) ?? [];

    /// <summary>Lists are sorted by Sequence (assigned under the same lock as the append): binary search.</summary>
    private static int FirstIndexAtOrAbove(List<T> list, long sequence)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            if (list[mid].Sequence < sequence) low = mid + 1;
            else high = mid;
        }
        return low;
    }
}
