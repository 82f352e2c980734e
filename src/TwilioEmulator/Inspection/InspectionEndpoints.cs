using Aventora.TwilioEmulator.Calls;
using Aventora.TwilioEmulator.Messages;

namespace Aventora.TwilioEmulator.Inspection;

internal static class InspectionEndpoints
{
    public static void MapInspection(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_emulator/requests", (string? to, RequestLog log) => log.Requests(to));
        app.MapGet("/_emulator/webhooks", (string? to, RequestLog log) => log.Webhooks(to));
        app.MapGet("/_emulator/messages", (string? to, MessageStore messages) => messages.List(to));
        app.MapGet("/_emulator/messages/{sid}", (string sid, MessageStore messages) =>
            messages.Find(sid) is { } m ? Results.Ok(m.Snapshot()) : Results.NotFound());
        app.MapGet("/_emulator/calls", (string? to, CallStore calls) => calls.List(to));
        app.MapGet("/_emulator/calls/{sid}", (string sid, CallStore calls) =>
            calls.Find(sid) is { } c ? Results.Ok(c.Snapshot()) : Results.NotFound());
        // "Clear everything" that was recorded; scripts (failures, people) have their own DELETEs.
        app.MapDelete("/_emulator/requests", (RequestLog log, MessageStore messages, CallStore calls) =>
        {
            log.Clear();
            messages.Clear();
            calls.Clear();
            return Results.NoContent();
        });
    }
}
