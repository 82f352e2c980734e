using Aventora.TwilioEmulator.Calls;
using Aventora.TwilioEmulator.Listing;
using Aventora.TwilioEmulator.Messages;
using Microsoft.AspNetCore.Mvc;

namespace Aventora.TwilioEmulator.Inspection;

internal static class InspectionEndpoints
{
    /// <summary>A page of inspection output stays a few MB at most, even with 100,000+ records held.</summary>
    private const int MaxPageSize = 10_000;
    private const int DefaultPageSize = 1_000;

    public static void MapInspection(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_emulator/requests", (string? to, [FromQuery(Name = "page_size")] int? pageSize, long? after, RequestLog log) =>
            pageSize is null && after is null ? Results.Ok(log.Requests(to)) : RequestPage(log, to, pageSize, after));
        app.MapGet("/_emulator/webhooks", (string? to, RequestLog log) => log.Webhooks(to));
        app.MapGet("/_emulator/messages", (string? to, [FromQuery(Name = "page_size")] int? pageSize, int? page, string? after, MessageStore messages) =>
            IsPaged(pageSize, page, after)
                ? PageOf(messages.Index, to, pageSize, page, after, m => m.Snapshot())
                : Results.Ok(messages.List(to)));
        app.MapGet("/_emulator/messages/{sid}", (string sid, MessageStore messages) =>
            messages.Find(sid) is { } m ? Results.Ok(m.Snapshot()) : Results.NotFound());
        app.MapGet("/_emulator/calls", (string? to, [FromQuery(Name = "page_size")] int? pageSize, int? page, string? after, CallStore calls) =>
            IsPaged(pageSize, page, after)
                ? PageOf(calls.Index, to, pageSize, page, after, c => c.Snapshot())
                : Results.Ok(calls.List(to)));
        app.MapGet("/_emulator/calls/{sid}", (string sid, CallStore calls) =>
            calls.Find(sid) is { } c ? Results.Ok(c.Snapshot()) : Results.NotFound());
        app.MapGet("/_emulator/stats", (int? duplicates, EmulatorStatistics statistics) =>
            statistics.Compute(Math.Clamp(duplicates ?? 100, 0, 100_000)));
        // "Clear everything" that was recorded; scripts (failures, people) have their own DELETEs.
        app.MapDelete("/_emulator/requests", (RequestLog log, MessageStore messages, CallStore calls) =>
        {
            log.Clear();
            messages.Clear();
            calls.Clear();
            return Results.NoContent();
        });
    }

    /// <summary>Requests by Id: after= is the last Id seen; total counts all recorded requests.</summary>
    private static IResult RequestPage(RequestLog log, string? to, int? pageSize, long? after)
    {
        if (pageSize is < 1) return Results.BadRequest(new { error = $"page_size must be 1 to {MaxPageSize}." });
        var size = Math.Min(pageSize ?? DefaultPageSize, MaxPageSize);
        var (items, total) = log.RequestsAfter(after ?? 0, to, size + 1);
        var hasNext = items.Count > size;
        if (hasNext) items.RemoveAt(size);
        return Results.Ok(new EmulatedPage<RecordedRequest>(items, 0, size,
            hasNext ? items[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null, total));
    }

    /// <summary>Without page_size, page or after the listing stays one JSON array, as existing callers expect.</summary>
    private static bool IsPaged(int? pageSize, int? page, string? after) => pageSize is not null || page is not null || after is not null;

    /// <summary>Oldest first; after= (the SID last seen) is stable while records keep arriving, page= is an offset.</summary>
    private static IResult PageOf<TState, TRecord>(
        CreationIndex<TState> index, string? to, int? pageSize, int? page, string? after, Func<TState, TRecord> snapshot)
        where TState : class, IListedResource
    {
        if (pageSize is < 1 || page is < 0)
            return Results.BadRequest(new { error = $"page_size must be 1 to {MaxPageSize} and page 0 or more." });
        long? afterSequence = null;
        if (after is not null)
        {
            if (index.Find(after) is not { } last)
                return Results.BadRequest(new { error = $"after={after} is not a SID the emulator holds (cleared?). Start again without after." });
            afterSequence = last.Sequence;
        }

        var size = Math.Min(pageSize ?? DefaultPageSize, MaxPageSize);
        var skip = afterSequence is null ? (long)(page ?? 0) * size : 0;
        if (skip > int.MaxValue) skip = int.MaxValue;
        var items = index.OldestFirst(to, _ => true, afterSequence, (int)skip, size + 1);
        var hasNext = items.Count > size;
        if (hasNext) items.RemoveAt(size);
        return Results.Ok(new EmulatedPage<TRecord>(items.Select(snapshot).ToList(), page ?? 0, size,
            hasNext ? items[^1].Sid : null, index.Count(to)));
    }
}
