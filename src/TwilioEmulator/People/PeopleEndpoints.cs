using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.People;

internal static class PeopleEndpoints
{
    public static void MapPeopleAdmin(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_emulator/people/speech", (SpeechScript script, PeopleScripts people) =>
        {
            people.SetSpeech(script);
            return Results.Ok(script);
        });
        app.MapPost("/_emulator/people/call-outcomes", (CallOutcome outcome, PeopleScripts people) =>
        {
            if (outcome.Status is not ("busy" or "no-answer" or "failed" or "canceled"))
                return Results.BadRequest(new { error = "status must be busy, no-answer, failed or canceled" });
            people.SetCallOutcome(outcome);
            return Results.Ok(outcome);
        });
        app.MapPost("/_emulator/people/delivery-outcomes", (DeliveryOutcome outcome, PeopleScripts people) =>
        {
            if (outcome.Status is not ("undelivered" or "failed"))
                return Results.BadRequest(new { error = "status must be undelivered or failed" });
            people.SetDeliveryOutcome(outcome);
            return Results.Ok(outcome);
        });
        app.MapPost("/_emulator/people/whatsapp-call-permissions", (WhatsAppCallPermission permission, PeopleScripts people) =>
        {
            people.SetWhatsAppCallPermission(permission);
            return Results.Ok(permission);
        });
        app.MapDelete("/_emulator/people", (PeopleScripts people) =>
        {
            people.Clear();
            return Results.NoContent();
        });
        app.MapPost("/_emulator/people/messages", async (InboundMessage message, InboundMessages inbound, CancellationToken ct) =>
            await inbound.SendAsync(message, ct) is { } result
                ? Results.Ok(result)
                : Results.BadRequest(new { error = $"unknown account {message.AccountSid}" }));
    }
}
