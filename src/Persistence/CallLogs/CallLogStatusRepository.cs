using Dapper;
using Aventora.Persistence.Requests;
using Npgsql;

namespace Aventora.Persistence.CallLogs;

/// <summary>
/// The request a status report was about, whether the report moved it, and the status and duration the row holds after it (a
/// late report that moved nothing leaves the row's own: that, not the report, is what billing follows).
/// </summary>
public sealed record StatusApplied(
    Guid Id, string? DomainName, string Channel, string Type, string PhoneNumber, bool Moved, string Status, int? DurationSeconds);

/// <summary>A status report from Twilio (a callback, or the reconciler's fetch), as the lifecycle takes it.</summary>
public sealed record StatusReport(string TwilioSid, string Status, string? ErrorCode, string? ErrorMessage, int? DurationSeconds);

/// <summary>A status report about the request its callback URL names (owned by that domain and channel).</summary>
public sealed record RequestStatusReport(Guid RequestId, string? DomainName, string Channel, StatusReport Report);

/// <summary>
/// Moves <c>call_logs</c> along the lifecycle as Twilio reports it: one guarded UPDATE that only moves forwards
/// (see <see cref="CallLogLifecycle"/>), so a late, repeated or redelivered status report changes nothing.
/// </summary>
public sealed class CallLogStatusRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Applies a report to the request it names, in one round trip, even before the worker recorded the SID (the report's SID is
    /// recorded then). The row must belong to <paramref name="domainName"/> and <paramref name="channel"/> (whose account signed
    /// the report) and must not already carry another SID. Null when no such request exists.
    /// </summary>
    public async Task<StatusApplied?> ApplyToRequestAsync(
        Guid requestId, string? domainName, string channel, StatusReport report, CancellationToken cancellationToken) =>
        (await ApplyToRequestsAsync([new RequestStatusReport(requestId, domainName, channel, report)], cancellationToken)).SingleOrDefault().Applied;

    /// <summary>
    /// Applies many reports, each to the request it names, as <see cref="ApplyToRequestAsync"/> does for one: one statement per
    /// round, where a round holds at most one report of each request, in lifecycle order (a request's <c>sent</c> before its
    /// <c>delivered</c>, so both are in its history). Returns each report that named a request with what it left there.
    /// A round whose SIDs collide with another request's (a conflict the worker records) is applied again without recording SIDs.
    /// </summary>
    public async Task<IReadOnlyList<(RequestStatusReport Report, StatusApplied Applied)>> ApplyToRequestsAsync(
        IReadOnlyCollection<RequestStatusReport> reports, CancellationToken cancellationToken)
    {
        var applied = new List<(RequestStatusReport, StatusApplied)>(reports.Count);
        var rounds = reports
            .GroupBy(r => r.RequestId)
            .SelectMany(request => request.OrderBy(r => CallLogLifecycle.Rank(r.Report.Status) ?? -1).Select((report, round) => (report, round)))
            .GroupBy(r => r.round, r => r.report)
            .OrderBy(round => round.Key);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var round in rounds)
        {
            var batch = round.ToArray();
            try
            {
                applied.AddRange(await ApplyRoundAsync(connection, batch, recordSid: true, cancellationToken));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A SID is already another request's: apply the statuses, leave the SIDs alone.
                applied.AddRange(await ApplyRoundAsync(connection, batch, recordSid: false, cancellationToken));
            }
        }
        return applied;
    }

    /// <summary>
    /// Applies a report from a callback: by the request its URL names, or (for URLs given to Twilio before release 1.19.0, and for
    /// assistant replies, which are not requests) by its SID within <paramref name="domainName"/> (whose account signed it). Null
    /// when it is about no request of that domain.
    /// </summary>
    public Task<StatusApplied?> ApplyAsync(
        Guid? requestId, string? domainName, string? channel, StatusReport report, CancellationToken cancellationToken) =>
        requestId is { } id && channel is not null
            ? ApplyToRequestAsync(id, domainName, channel, report, cancellationToken)
            : ApplyBySidAsync(domainName, report, cancellationToken);

    private const string Reported = """
        twilio_status = @status,
        error_code = COALESCE(@errorCode, c.error_code), error_message = COALESCE(@errorMessage, c.error_message),
        duration_seconds = COALESCE(@durationSeconds, c.duration_seconds)
        """;

    // What the row settled at: the moved row's, else the row's own (a late report that moved nothing).
    private const string Settled = """
        SELECT c.id AS Id, c.domain_name AS DomainName, c.channel AS Channel, c.type AS Type, c.phone_number AS PhoneNumber,
               moved.id IS NOT NULL AS Moved, COALESCE(moved.status, c.status) AS Status,
               CASE WHEN moved.id IS NOT NULL THEN moved.duration_seconds ELSE c.duration_seconds END AS DurationSeconds
        """;

    // By SID only within the domain whose account signed the callback: a tenant that knows another's SID moves nothing of it.
    private static readonly string BySidSql = RequestTransitions.Update("@status", Reported,
        "c.twilio_sid = @twilioSid AND c.domain_name IS NOT DISTINCT FROM @domainName AND c.status = ANY(@from)",
        Settled + "\nFROM call_logs c LEFT JOIN moved ON moved.id = c.id WHERE c.twilio_sid = @twilioSid AND c.domain_name IS NOT DISTINCT FROM @domainName");

    // Each report of a round names its request; the UPDATE moves each row at most once (a round holds one report per request).
    private static readonly string ToRequestsSql = RequestTransitions.Update("target.status",
        """
        twilio_status = target.status,
        error_code = COALESCE(target.error_code, c.error_code), error_message = COALESCE(target.error_message, c.error_message),
        duration_seconds = COALESCE(target.duration_seconds, c.duration_seconds),
        twilio_sid = CASE WHEN @recordSid THEN COALESCE(c.twilio_sid, target.twilio_sid) ELSE c.twilio_sid END
        """,
        "c.id = target.id AND c.status = ANY(string_to_array(target.from_statuses, ','))",
        Settled + "\nFROM call_logs c JOIN target ON target.id = c.id LEFT JOIN moved ON moved.id = c.id",
        from: "target",
        with: """
            target AS (
                SELECT c.id, r.twilio_sid, r.status, r.error_code, r.error_message, r.duration_seconds, r.from_statuses
                FROM unnest(@requestIds, @domainNames, @channels, @twilioSids, @statuses, @errorCodes, @errorMessages, @durations, @fromStatuses)
                    AS r(request_id, domain_name, channel, twilio_sid, status, error_code, error_message, duration_seconds, from_statuses)
                JOIN call_logs c ON c.id = r.request_id AND c.domain_name IS NOT DISTINCT FROM r.domain_name AND c.channel = r.channel
                                AND (c.twilio_sid IS NULL OR c.twilio_sid = r.twilio_sid))
            """);

    private async Task<StatusApplied?> ApplyBySidAsync(string? domainName, StatusReport report, CancellationToken cancellationToken)
    {
        var from = CallLogLifecycle.Before(report.Status);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StatusApplied>(new CommandDefinition(BySidSql, new { domainName, report.TwilioSid, report.Status, report.ErrorCode, report.ErrorMessage, report.DurationSeconds, from },
            cancellationToken: cancellationToken));
    }

    private static async Task<IEnumerable<(RequestStatusReport, StatusApplied)>> ApplyRoundAsync(
        NpgsqlConnection connection, RequestStatusReport[] round, bool recordSid, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<StatusApplied>(new CommandDefinition(ToRequestsSql, new
        {
            requestIds = round.Select(r => r.RequestId).ToArray(),
            domainNames = round.Select(r => r.DomainName).ToArray(),
            channels = round.Select(r => r.Channel).ToArray(),
            twilioSids = round.Select(r => r.Report.TwilioSid).ToArray(),
            statuses = round.Select(r => r.Report.Status).ToArray(),
            errorCodes = round.Select(r => r.Report.ErrorCode).ToArray(),
            errorMessages = round.Select(r => r.Report.ErrorMessage).ToArray(),
            durations = round.Select(r => r.Report.DurationSeconds).ToArray(),
            fromStatuses = round.Select(r => string.Join(',', CallLogLifecycle.Before(r.Report.Status))).ToArray(),
            recordSid,
        }, cancellationToken: cancellationToken));
        var byRequest = rows.ToDictionary(r => r.Id);
        return round.Where(r => byRequest.ContainsKey(r.RequestId)).Select(r => (r, byRequest[r.RequestId]));
    }
}
