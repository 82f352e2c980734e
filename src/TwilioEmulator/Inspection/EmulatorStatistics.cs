using System.Globalization;
using Aventora.TwilioEmulator.Calls;
using Aventora.TwilioEmulator.Messages;

namespace Aventora.TwilioEmulator.Inspection;

/// <summary>
/// Computes <see cref="EmulatorStats"/> from everything recorded. One pass over the records per call: meant for a
/// benchmark's end (or an occasional poll), not for every request.
/// </summary>
internal sealed class EmulatorStatistics(MessageStore messages, CallStore calls, RequestLog log)
{
    /// <summary>The query parameter of a StatusCallback URL that names the application's request.</summary>
    public const string RequestIdParameter = "request_id";

    public EmulatorStats Compute(int maxDuplicates)
    {
        var messageRecords = messages.Index.All().Select(m => m.Snapshot())
            .Select(m => new Creation(m.Sid, m.Status, m.AnswerFault, m.StatusCallback,
                string.Join('\u001f', m.To, m.Body, m.ContentSid, m.ContentVariables)))
            .ToList();
        var callRecords = calls.Index.All().Select(c => c.Snapshot())
            .Select(c => new Creation(c.Sid, c.Status, c.AnswerFault, c.StatusCallback, string.Join('\u001f', c.To, c.Url, c.Twiml)))
            .ToList();
        return new EmulatorStats(Summarize(messageRecords, maxDuplicates), Summarize(callRecords, maxDuplicates),
            log.RequestStats(), log.WebhookStats());
    }

    private sealed record Creation(string Sid, string Status, string? AnswerFault, string? StatusCallback, string ToAndContent);

    private static CreationStats Summarize(List<Creation> created, int maxDuplicates)
    {
        var byCallback = created.Where(c => c.StatusCallback is not null)
            .GroupBy(c => GroupKey(c.StatusCallback!), StringComparer.Ordinal)
            .ToList();
        var duplicated = byCallback.Where(g => g.Count() > 1).ToList();
        var byContent = created.GroupBy(c => c.ToAndContent, StringComparer.Ordinal).ToList();
        return new CreationStats(
            created.Count,
            Count(created.Select(c => c.Status)),
            Count(created.Where(c => c.AnswerFault is not null).Select(c => c.AnswerFault!)),
            created.Count(c => c.StatusCallback is null),
            byCallback.Count,
            duplicated.Count,
            duplicated.Sum(g => g.Count() - 1),
            duplicated.Take(maxDuplicates).Select(g => new CreationGroup(g.Key, g.Count(), g.Select(c => c.Sid).ToList())).ToList(),
            byContent.Count,
            byContent.Count(g => g.Count() > 1));
    }

    /// <summary>request_id from the URL's query when present (the application's own idempotency key), else the URL.</summary>
    public static string GroupKey(string statusCallback)
    {
        var query = statusCallback.IndexOf('?');
        if (query < 0) return statusCallback;
        foreach (var pair in statusCallback[(query + 1)..].Split('&'))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0 && Uri.UnescapeDataString(pair[..equals]) == RequestIdParameter)
                return Uri.UnescapeDataString(pair[(equals + 1)..]);
        }
        return statusCallback;
    }

    public static IReadOnlyDictionary<string, int> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, int> Count(IEnumerable<int> keys) =>
        Count(keys.Select(k => k.ToString(CultureInfo.InvariantCulture)));
}
