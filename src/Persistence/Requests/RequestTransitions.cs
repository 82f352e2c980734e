namespace Aventora.Persistence.Requests;

/// <summary>
/// The one way a request's status changes (<c>call_logs</c> keeps the seed's name; the code calls it a request). Every statement
/// that writes <c>call_logs.status</c> is composed here, so each change of status, in the same statement and so the same
/// transaction, also writes what follows from it, with no trigger behind the reader's back:
/// <list type="bullet">
/// <item>the status history row (<c>request_status_history</c>), only when the status really changed;</item>
/// <item>the customer webhook outbox row (<c>status_webhook_deliveries</c>, its payload a
/// <see cref="Contracts.StatusWebhooks.RequestStatusEvent"/>), numbered by the row's own <c>webhook_sequence</c>, when the domain
/// has a status webhook;</item>
/// <item>on a new request, its tenant id (<c>domain_id</c>), from the live domain of that name.</item>
/// </list>
/// Which status may follow which is <see cref="CallLogs.CallLogLifecycle"/>'s to say; callers pass its guards in
/// <c>where</c>. <c>previous_status</c> holds what the row had before the statement, read in SET (which sees the locked, latest
/// row), so "did it change" is exact under concurrency.
/// </summary>
public static class RequestTransitions
{
    /// <summary>The webhook event's fields, in <see cref="Contracts.StatusWebhooks.RequestStatusEvent"/>'s JSON names.</summary>
    public static readonly IReadOnlyList<(string Name, string Expression)> StatusEventFields =
    [
        ("event", "'request.status'"), ("request_id", "m.id"), ("domain_name", "m.domain_name"), ("sequence", "m.webhook_sequence"),
        ("channel", "m.channel"), ("status", "m.status"), ("error_code", "m.error_code"), ("error_message", "m.error_message"),
        ("twilio_sid", "m.twilio_sid"), ("occurred_at", "clock_timestamp()"), ("transcript_turn", "NULL"),
    ];

    private const string HasWebhook = "EXISTS (SELECT 1 FROM status_webhooks w WHERE w.domain_name = {0}.domain_name)";

    /// <summary>
    /// <c>WITH moved AS (UPDATE call_logs c SET status = <paramref name="status"/>, <paramref name="set"/> [FROM <paramref name="from"/>]
    /// WHERE <paramref name="where"/> RETURNING c.*), history AS (...), webhook AS (...)</c> followed by <paramref name="select"/>,
    /// which reads <c>moved</c>. <paramref name="with"/> is any CTE the update reads (written before <c>moved</c>, without WITH).
    /// <paramref name="webhooks"/> false writes no webhook event (the domain is being deleted in the same statement).
    /// </summary>
    public static string Update(string status, string set, string where, string select, string? from = null, string? with = null,
        bool webhooks = true)
    {
        var count = webhooks
            ? $"c.webhook_sequence + CASE WHEN ({status}) IS DISTINCT FROM c.status AND c.domain_name IS NOT NULL AND {string.Format(HasWebhook, "c")} THEN 1 ELSE 0 END"
            : "c.webhook_sequence";
        return $"""
            WITH {(with is null ? "" : with + ",\n")}moved AS (
                UPDATE call_logs c
                SET status = {status}, previous_status = c.status, webhook_sequence = {count},{(set.Length == 0 ? "" : " " + set + ",")} updated_at = now()
                {(from is null ? "" : "FROM " + from)}
                WHERE {where}
                RETURNING c.*),
            {Effects(webhooks)}
            {select}
            """;
    }

    /// <summary>
    /// <c>WITH inserted AS (INSERT INTO call_logs (<paramref name="columns"/>, domain_id, webhook_sequence) VALUES (...) ON CONFLICT (id)
    /// DO NOTHING RETURNING c.*), history, webhook</c> then <paramref name="select"/> (which reads <c>moved</c>: the inserted row, if any).
    /// <paramref name="values"/> must name the domain as <c>@DomainName</c>.
    /// </summary>
    public static string Insert(string columns, string values, string select) => $"""
        WITH moved AS (
            INSERT INTO call_logs AS c ({columns}, domain_id, webhook_sequence)
            VALUES ({values}, (SELECT d.id FROM domains d WHERE d.name = @DomainName),
                    CASE WHEN @DomainName IS NOT NULL AND EXISTS (SELECT 1 FROM status_webhooks w WHERE w.domain_name = @DomainName) THEN 1 ELSE 0 END)
            ON CONFLICT (id) DO NOTHING
            RETURNING c.*),
        {Effects(webhooks: true)}
        {select}
        """;

    // What follows from a change of status: its history row, and its webhook event when the domain has a webhook.
    private static string Effects(bool webhooks) => $"""
        history AS (
            INSERT INTO request_status_history (request_id, domain_name, status, error_message)
            SELECT m.id, m.domain_name, m.status, m.error_message FROM moved m WHERE m.status IS DISTINCT FROM m.previous_status),
        webhook AS (
            INSERT INTO status_webhook_deliveries (domain_name, request_id, sequence, event_type, payload)
            SELECT m.domain_name, m.id, m.webhook_sequence, 'request.status',
                   jsonb_build_object({string.Join(", ", StatusEventFields.Select(f => $"'{f.Name}', {f.Expression}"))})
            FROM moved m
            WHERE {(webhooks ? "" : "false AND ")}m.status IS DISTINCT FROM m.previous_status AND m.domain_name IS NOT NULL
              AND {string.Format(HasWebhook, "m")})
        """;
}
