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
        Guid requestId, string? domainName, string channel, StatusReport report, CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyToRequestAsync(requestId, domainName, channel, report, recordSid: true, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // The SID is already another request's (a conflict the worker records): apply the status, leave the SID alone.
            return await ApplyToRequestAsync(requestId, domainName, channel, report, recordSid: false, cancellationToken);
        }
    }

    /// <summary>
    /// Applies a report from a callback: by the request its URL names, or (for URLs given to Twilio before release 1.19.0, and for
    /// assistant replies, which are not requests) by its SID. Null when it is about no request.
    /// </summary>
    public Task<StatusApplied?> ApplyAsync(
        Guid? requestId, string? domainName, string? channel, StatusReport report, CancellationToken cancellationToken) =>
        requestId is { } id && channel is not null
            ? ApplyToRequestAsync(id, domainName, channel, report, cancellationToken)
            : ApplyBySidAsync(report, cancellationToken);

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

    private static readonly string BySidSql = RequestTransitions.Update("@status", Reported,
        "c.twilio_sid = @twilioSid AND c.status = ANY(@from)",
        Settled + "\nFROM call_logs c LEFT JOIN moved ON moved.id = c.id WHERE c.twilio_sid = @twilioSid");

    private static readonly string ToRequestSql = RequestTransitions.Update("@status",
        Reported + ",\ntwilio_sid = CASE WHEN @recordSid THEN COALESCE(c.twilio_sid, @twilioSid) ELSE c.twilio_sid END",
        "c.id = target.id AND c.status = ANY(@from)",
        Settled + "\nFROM call_logs c JOIN target ON target.id = c.id LEFT JOIN moved ON moved.id = c.id",
        from: "target",
        with: """
            target AS (
                SELECT id FROM call_logs
                WHERE id = @requestId AND domain_name IS NOT DISTINCT FROM @domainName AND channel = @channel
                  AND (twilio_sid IS NULL OR twilio_sid = @twilioSid))
            """);

    private async Task<StatusApplied?> ApplyBySidAsync(StatusReport report, CancellationToken cancellationToken)
    {
        var from = CallLogLifecycle.Before(report.Status);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StatusApplied>(new CommandDefinition(BySidSql, new { report.TwilioSid, report.Status, report.ErrorCode, report.ErrorMessage, report.DurationSeconds, from },
            cancellationToken: cancellationToken));
    }

    private async Task<StatusApplied?> ApplyToRequestAsync(
        Guid requestId, string? domainName, string channel, StatusReport report, bool recordSid, CancellationToken cancellationToken)
    {
        var from = CallLogLifecycle.Before(report.Status);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StatusApplied>(new CommandDefinition(ToRequestSql, new
            {
                requestId, domainName, channel, report.TwilioSid, report.Status, report.ErrorCode, report.ErrorMessage,
                report.DurationSeconds, from, recordSid,
            }, cancellationToken: cancellationToken));
    }
}
