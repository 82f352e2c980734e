using System.Collections.Concurrent;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.Messages;

internal sealed class MessageStore
{
    private readonly ConcurrentDictionary<string, MessageState> _messages = new(StringComparer.Ordinal);

    public void Add(MessageState message) => _messages[message.Sid] = message;

    public MessageState? Find(string sid) => _messages.GetValueOrDefault(sid);

    public IReadOnlyList<EmulatedMessage> List(string? to) =>
        _messages.Values.Where(m => ToMatch.Matches(to, m.To)).Select(m => m.Snapshot())
            .OrderBy(m => m.DateCreated).ToList();

    public void Clear() => _messages.Clear();
}
