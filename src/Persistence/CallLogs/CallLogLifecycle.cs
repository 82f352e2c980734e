namespace Aventora.Persistence.CallLogs;

/// <summary>
/// The order of a request's statuses, Aventora's and Twilio's, for messages and calls alike. A status only ever moves to a
/// higher rank, so a late or repeated status callback changes nothing. Final statuses share the top rank: nothing leaves them.
/// </summary>
public static class CallLogLifecycle
{
    public const int Final = 100;

    private static readonly Dictionary<string, int> Ranks = new(StringComparer.Ordinal)
    {
        [CallLogStatus.Received] = 0,
        [CallLogStatus.Routed] = 1,
        // "paused" (a paused batch's row, held by Aventora) has no rank: no status report may move it; only the schedule does.
        // Aventora's claim before calling Twilio, and Twilio's own "sending" of a message: both come before Twilio queues it.
        [CallLogStatus.Sending] = 2,
        // Twilio may have created it; its answer was lost. The reconciler (or a status callback) moves it on.
        [CallLogStatus.Unconfirmed] = 2,
        ["accepted"] = 3,
        ["scheduled"] = 3,
        ["queued"] = 4,
        ["initiated"] = 4,
        ["ringing"] = 5,
        ["in-progress"] = 6,
        ["sent"] = 6,
        ["delivered"] = 7,
        ["read"] = 8,
        ["completed"] = Final,
        ["busy"] = Final,
        ["no-answer"] = Final,
        ["canceled"] = Final,
        ["undelivered"] = Final,
        [CallLogStatus.Failed] = Final,
        [CallLogStatus.InsufficientCredits] = Final,
        [CallLogStatus.OptedOut] = Final,
        [CallLogStatus.Cancelled] = Final,
    };

    /// <summary>Every status nothing may leave.</summary>
    public static readonly string[] FinalStatuses = Ranks.Where(r => r.Value == Final).Select(r => r.Key).ToArray();

    /// <summary>Message statuses Twilio reports to a status callback.</summary>
    public static readonly IReadOnlySet<string> MessageStatuses =
        new HashSet<string> { "accepted", "scheduled", "queued", "sending", "sent", "delivered", "read", "undelivered", "failed", "canceled" };

    /// <summary>Call statuses Twilio reports to a status callback.</summary>
    public static readonly IReadOnlySet<string> CallStatuses =
        new HashSet<string> { "queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled" };

    /// <summary>The status's rank, or null for a status this table does not know (which nothing may overwrite).</summary>
    public static int? Rank(string status) => Ranks.TryGetValue(status, out var rank) ? rank : null;

    public static bool IsFinal(string status) => Rank(status) == Final;

    /// <summary>May a request at <paramref name="current"/> move to <paramref name="next"/>? Only forwards, never out of a final status.</summary>
    public static bool MayMove(string current, string next) =>
        Rank(current) is { } from && Rank(next) is { } to && from < to;

    /// <summary>
    /// Is the request settled, with nothing more to wait for? A final status, or a message (sms, wmsg) Twilio delivered: only
    /// <c>read</c> may still follow, and nothing about it is billed or retried.
    /// </summary>
    public static bool IsSettled(string channel, string status) =>
        IsFinal(status) || (channel is Contracts.Channels.Sms or Contracts.Channels.WhatsAppMessage && status is "delivered" or "read");

    /// <summary>
    /// Every status a request can show, in lifecycle order: what <c>GET /statuses</c> serves, so clients (the console's filters and
    /// its "final" mark) read the lifecycle instead of copying it. <c>paused</c> and <c>inbound</c> have no rank: only the schedule
    /// moves a paused request, and a conversation a person started is not sent.
    /// </summary>
    public static IReadOnlyList<string> AllStatuses { get; } =
        Ranks.OrderBy(r => r.Value).Select(r => r.Key).Prepend(CallLogStatus.Inbound).Append(CallLogStatus.Paused).Distinct().ToArray();

    /// <summary>Every status a request may be in to move to <paramref name="next"/>: the guard of the UPDATE.</summary>
    public static string[] Before(string next) =>
        Rank(next) is { } to ? Ranks.Where(r => r.Value < to).Select(r => r.Key).ToArray() : [];
}
