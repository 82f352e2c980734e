using System.Collections.Concurrent;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.Calls;

internal sealed class CallStore
{
    private readonly ConcurrentDictionary<string, CallState> _calls = new(StringComparer.Ordinal);

    public void Add(CallState call) => _calls[call.Sid] = call;

    public CallState? Find(string sid) => _calls.GetValueOrDefault(sid);

    public IReadOnlyList<EmulatedCall> List(string? to) =>
        _calls.Values.Where(c => ToMatch.Matches(to, c.To)).Select(c => c.Snapshot())
            .OrderBy(c => c.DateCreated).ToList();

    public void Clear() => _calls.Clear();
}
