using Npgsql;

namespace Aventora.Bench.Observe;

/// <summary>How far a phase's requests have got, from <c>call_logs</c>: one counting query per look.</summary>
public sealed record Progress(long Rows, long AtTwilio, long Terminal, long RefusedBeforeTwilio, DateTimeOffset? LastTerminalAt);

/// <summary>A request's row as the system recorded it.</summary>
public sealed record CallLogRow(string PhoneNumber, string Channel, string Status, string? TwilioSid, string? ErrorCode, DateTimeOffset UpdatedAt);

/// <summary>
/// Reads <c>call_logs</c> the way an operator's dashboard would. "Terminal" is the status Twilio's emulator ends in for the
/// channel (sms delivered, wmsg read, a call completed), a Twilio failure, or a refusal before Twilio (failed,
/// opted_out, insufficient_credits).
/// </summary>
public sealed class CallLogs(NpgsqlDataSource database)
{
    private const string Terminal = """
        (status IN ('failed', 'undelivered', 'canceled', 'opted_out', 'insufficient_credits')
         OR (channel = 'sms' AND status = 'delivered')
         OR (channel = 'wmsg' AND status = 'read')
         OR (channel IN ('phone', 'wvoice') AND status IN ('completed', 'busy', 'no-answer')))
        """;

    private const string Counts = $"""
        SELECT count(*),
               count(*) FILTER (WHERE twilio_sid IS NOT NULL),
               count(*) FILTER (WHERE {Terminal}),
               count(*) FILTER (WHERE twilio_sid IS NULL AND status IN ('failed', 'opted_out', 'insufficient_credits')),
               max(updated_at) FILTER (WHERE {Terminal})
        FROM call_logs
        """;

    public Task<Progress> ForDomainAsync(string domain, CancellationToken ct) =>
        CountAsync($"{Counts} WHERE domain_name = @key", domain, ct);

    public Task<Progress> ForBatchAsync(Guid batchId, CancellationToken ct) =>
        CountAsync($"{Counts} WHERE batch_id = @key", batchId, ct);

    public async Task<List<CallLogRow>> RowsAsync(string domain, CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            "SELECT phone_number, channel, status, twilio_sid, error_code, updated_at FROM call_logs WHERE domain_name = @key");
        command.Parameters.AddWithValue("key", domain);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<CallLogRow>();
        while (await reader.ReadAsync(ct))
            rows.Add(new CallLogRow(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        return rows;
    }

    private async Task<Progress> CountAsync(string sql, object key, CancellationToken ct)
    {
        await using var command = database.CreateCommand(sql);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Progress(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
    }
}

/// <summary>
/// Looks once a second until <paramref name="done"/> holds, nothing has moved for the stall time, or the longest wait
/// is over; every look is one query. Says how it ended.
/// </summary>
public static class Waiting
{
    public sealed record Result<T>(T Last, bool Done, string Ending);

    public static async Task<Result<T>> UntilAsync<T>(
        Func<CancellationToken, Task<T>> look, Func<T, bool> done, Func<T, object> movement, Func<T, string> describe,
        string what, TimeSpan maxWait, TimeSpan stallAfter, CancellationToken ct) where T : class
    {
        var started = DateTimeOffset.UtcNow;
        var lastMove = started;
        var lastReport = started;
        object? lastMovement = null;
        T? current = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            try
            {
                current = await look(ct);
                if (done(current)) return new(current, true, "done");
                var moved = movement(current);
                if (!Equals(moved, lastMovement)) (lastMovement, lastMove) = (moved, now);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                // A database restart or a full connection table is the system's trouble, not the benchmark's: look again.
                Console.Error.WriteLine($"[bench]   {what}: could not look ({e.Message}); trying again");
            }
            if (current is not null && now - lastReport >= TimeSpan.FromSeconds(5))
            {
                Console.Error.WriteLine($"[bench]   {what}: {describe(current)} ({(now - started).TotalSeconds:0} s)");
                lastReport = now;
            }
            if (current is not null && now - lastMove >= stallAfter) return new(current, false, $"stalled: nothing moved for {stallAfter.TotalSeconds:0} s");
            if (now - started >= maxWait)
                return current is not null ? new(current, false, $"gave up after {maxWait.TotalSeconds:0} s") : throw new TimeoutException($"{what}: the database could not be read for {maxWait.TotalSeconds:0} s");
            await timer.WaitForNextTickAsync(ct);
        }
    }
}
