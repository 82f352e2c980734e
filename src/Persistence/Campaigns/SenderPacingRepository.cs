using Dapper;
using Npgsql;

namespace Aventora.Persistence.Campaigns;

/// <summary>A send slot of a sender number: when the create call may go, and the database's time when it was taken.</summary>
public sealed record SenderSlot(DateTimeOffset SlotAt, DateTimeOffset Now)
{
    public TimeSpan Wait => SlotAt > Now ? SlotAt - Now : TimeSpan.Zero;
}

/// <summary>
/// The <c>sender_pacing</c> table: per sender number, the earliest time of its next create call. Taking a slot is one
/// INSERT ... ON CONFLICT UPDATE (the row lock orders concurrent takers), so every worker copy keeps the same rate. The database's
/// clock is the one clock all copies share.
/// </summary>
public sealed class SenderPacingRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Takes the sender's next slot, <paramref name="spacing"/> after the previous one (or now, when it is free), and spaces
    /// the following one by <paramref name="throttledSpacing"/> instead while Twilio's throttling of the sender lasts.
    /// </summary>
    public async Task<SenderSlot> TakeSlotAsync(string senderNumber, TimeSpan spacing, TimeSpan throttledSpacing, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (slot, now) = await connection.QuerySingleAsync<(DateTime Slot, DateTime Now)>(new CommandDefinition("""
            INSERT INTO sender_pacing AS p (sender_number, next_slot_at) VALUES (@senderNumber, now() + @spacing)
            ON CONFLICT (sender_number) DO UPDATE SET
                next_slot_at = GREATEST(p.next_slot_at, now())
                               + CASE WHEN p.throttled_until > now() THEN @throttledSpacing ELSE @spacing END,
                updated_at = now()
            RETURNING p.next_slot_at - CASE WHEN p.throttled_until > now() THEN @throttledSpacing ELSE @spacing END, now()
            """, new { senderNumber, spacing, throttledSpacing }, cancellationToken: cancellationToken));
        return new SenderSlot(new DateTimeOffset(DateTime.SpecifyKind(slot, DateTimeKind.Utc)), new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)));
    }

    /// <summary>
    /// Twilio throttled the sender (429/20429): its next slot moves <paramref name="backoff"/> ahead and slots are spaced wider
    /// until <paramref name="throttledFor"/> has passed. Returns how many times the sender has been throttled.
    /// </summary>
    public async Task<long> RecordThrottledAsync(string senderNumber, TimeSpan backoff, TimeSpan throttledFor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<long>(new CommandDefinition("""
            INSERT INTO sender_pacing AS p (sender_number, next_slot_at, throttled_until, throttle_count)
            VALUES (@senderNumber, now() + @backoff, now() + @throttledFor, 1)
            ON CONFLICT (sender_number) DO UPDATE SET
                next_slot_at = GREATEST(p.next_slot_at, now() + @backoff),
                throttled_until = now() + @throttledFor,
                throttle_count = p.throttle_count + 1,
                updated_at = now()
            RETURNING throttle_count
            """, new { senderNumber, backoff, throttledFor }, cancellationToken: cancellationToken));
    }
}
