using Aventora.TwilioEmulator.Calls;
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
        app.MapPost("/_emulator/people/streams", (StreamScript script, PeopleScripts people) =>
        {
            foreach (var step in script.Steps)
            {
                if (step.Audio is not null && !IsBase64(step.Audio)) return Results.BadRequest(new { error = "audio must be base64 µ-law" });
                if (step.Digits is not null && step.Digits.Any(c => !(char.IsAsciiDigit(c) || c is '*' or '#')))
                    return Results.BadRequest(new { error = "digits are 0-9, * and #" });
            }
            people.SetStream(script);
            return Results.Ok(new { script.Number, steps = script.Steps.Count });
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
        app.MapPost("/_emulator/people/answering", (AnsweringScript script, PeopleScripts people) =>
        {
            if (!AnsweringMachineDetection.Results.Contains(script.AnsweredBy))
                return Results.BadRequest(new { error = "answered_by must be one of " + string.Join(", ", AnsweringMachineDetection.Results) });
            people.SetAnswering(script);
            return Results.Ok(script);
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

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out _);
}
