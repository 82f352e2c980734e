using Dapper;
using Npgsql;

namespace Aventora.Persistence.CallLogs;

/// <summary>What the request log may be narrowed to; null fields do not narrow. Dates are half-open: from ≤ created_at &lt; to.</summary>
public sealed record RequestLogFilter
{
    public string? DomainName { get; init; }
    public string? Channel { get; init; }
    public string? Status { get; init; }
    public string? Source { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    /// <summary>The keyset: the page starts after this (created_at, id), newest first.</summary>
    public (DateTimeOffset CreatedAt, Guid Id)? After { get; init; }
    public int Limit { get; init; } = 50;
}

/// <summary>The request log, newest first, paged by keyset (created_at, id) so a page never shifts as new requests arrive.</summary>
public sealed class RequestLogRepository(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<CallLog>> ListAsync(RequestLogFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CallLog>(new CommandDefinition($$"""
            SELECT {{Columns.Of<CallLog>()}} FROM call_logs
            WHERE (@DomainName::text IS NULL
                   OR (domain_name = @DomainName AND domain_id IS NOT DISTINCT FROM aventora_domain_id(@DomainName)))
              AND (@Channel::text IS NULL OR channel = @Channel)
              AND (@Status::text IS NULL OR status = @Status)
              AND (@Source::text IS NULL OR source = @Source)
              AND (@From::timestamptz IS NULL OR created_at >= @From)
              AND (@To::timestamptz IS NULL OR created_at < @To)
              AND (@AfterCreatedAt::timestamptz IS NULL OR (created_at, id) < (@AfterCreatedAt, @AfterId))
            ORDER BY created_at DESC, id DESC
            LIMIT @Limit
            """, new
            {
                filter.DomainName, filter.Channel, filter.Status, filter.Source, filter.From, filter.To,
                AfterCreatedAt = filter.After?.CreatedAt, AfterId = filter.After?.Id ?? Guid.Empty, filter.Limit,
            }, cancellationToken: cancellationToken));
        return rows.ToList();
    }
}

/// <summary>One status a request had, and when (<c>request_status_history</c>, written with each change by <see cref="Requests.RequestTransitions"/>).</summary>
public sealed record RequestStatusChange
{
    public required string Status { get; init; }
    public string? ErrorMessage { get; init; }
    public DateTimeOffset At { get; init; }
}

public sealed class RequestStatusHistoryRepository(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<RequestStatusChange>> ListAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RequestStatusChange>(new CommandDefinition(
            "SELECT status, error_message, at FROM request_status_history WHERE request_id = @requestId ORDER BY id",
            new { requestId }, cancellationToken: cancellationToken));
        return rows.ToList();
    }
}
