using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Listing;

namespace Aventora.TwilioEmulator.Calls;

internal sealed class CallStore
{
    public CreationIndex<CallState> Index { get; } = new();

    public void Add(CallState call) => Index.Add(call);

    public CallState? Find(string sid) => Index.Find(sid);

    /// <summary>All calls (to one number when given), oldest first: the inspection API's unpaged answer.</summary>
    public IReadOnlyList<EmulatedCall> List(string? to) =>
        Index.OldestFirst(to, _ => true, null, 0, int.MaxValue).Select(c => c.Snapshot()).ToList();

    public void Clear() => Index.Clear();
}
