using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Listing;

namespace Aventora.TwilioEmulator.Messages;

internal sealed class MessageStore
{
    public CreationIndex<MessageState> Index { get; } = new();

    public void Add(MessageState message) => Index.Add(message);

    public MessageState? Find(string sid) => Index.Find(sid);

    /// <summary>All messages (to one number when given), oldest first: the inspection API's unpaged answer.</summary>
    public IReadOnlyList<EmulatedMessage> List(string? to) =>
        Index.OldestFirst(to, _ => true, null, 0, int.MaxValue).Select(m => m.Snapshot()).ToList();

    public void Clear() => Index.Clear();
}
