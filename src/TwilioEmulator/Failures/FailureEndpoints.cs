using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.Failures;

internal static class FailureEndpoints
{
    public static void MapFailureAdmin(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_emulator/failures", (FailureRule rule, FailureStore failures) =>
        {
            if (FailureStore.Problem(rule) is { } problem) return Results.BadRequest(new { error = problem });
            failures.Add(rule);
            return Results.Ok(rule);
        });
        app.MapGet("/_emulator/failures", (FailureStore failures) => failures.List());
        app.MapDelete("/_emulator/failures", (FailureStore failures) =>
        {
            failures.Clear();
            return Results.NoContent();
        });
    }
}
