using System.Text.Json;
using System.Text.Json.Nodes;
using Aventora.Contracts.StatusWebhooks;
using Aventora.Ingress.Api.Admin;
using Aventora.Ingress.Api.Requests;
using Aventora.Ingress.Api.StatusWebhooks;

namespace Aventora.Ingress.Api.OpenApi;

/// <summary>One example per request and response type, in the wire's snake_case, shown in the document and at /docs.</summary>
public static class ApiExamples
{
    private static readonly JsonSerializerOptions Wire = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly Guid RequestId = Guid.Parse("5b3e0c1e-8f1d-4a53-9d7e-0c2a9b1f4e21");
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);

    private static readonly Dictionary<Type, object> Examples = new()
    {
        [typeof(StartRequest)] = new StartRequest
        {
            PhoneNumber = "+14155552671", Channel = "sms", Type = "reminder", Instruction = "Remind Jane of her dentist appointment tomorrow at 10:00",
            DomainName = "clinic.example", Name = "Jane", Email = "jane@example.com",
        },
        [typeof(StartAccepted)] = new StartAccepted(RequestId, "accepted", $"/requests/{RequestId}"),
        [typeof(RequestView)] = new RequestView
        {
            RequestId = RequestId, DomainName = "clinic.example", Channel = "sms", PhoneNumber = "+14155552671", Type = "reminder",
            Status = "delivered", TwilioSid = "SM0123456789abcdef0123456789abcdef", TwilioStatus = "delivered", CreatedAt = At,
            UpdatedAt = At.AddSeconds(4),
            Transcript = [new TranscriptTurnView("assistant", "Hi Jane, a reminder of your dentist appointment tomorrow at 10:00.", At.UtcDateTime)],
        },
        [typeof(DomainBody)] = new DomainBody("clinic.example",
            new JsonObject { ["twilio_account_sid"] = "AC0123456789abcdef0123456789abcdef", ["twilio_auth_token"] = "(secret)", ["twilio_sms_number"] = "+14155550123" }),
        [typeof(ApiKeyBody)] = new ApiKeyBody("crm"),
        [typeof(DomainView)] = new DomainView(
            "clinic.example",
            new() { ["twilio_account_sid"] = "AC0123456789abcdef0123456789abcdef", ["twilio_auth_token"] = "********", ["twilio_sms_number"] = "+14155550123" },
            false, At.UtcDateTime, At.UtcDateTime),
        [typeof(CreatedApiKey)] = new CreatedApiKey(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), "clinic.example", "av_3f9a...", "av_3f9a1c", "crm"),
        [typeof(StatusWebhookBody)] = new StatusWebhookBody { StatusWebhookUrl = "https://crm.clinic.example/aventora/events" },
        [typeof(StatusWebhookView)] = new StatusWebhookView("clinic.example", "https://crm.clinic.example/aventora/events",
            "whsec_9f2c0d...", At.UtcDateTime),
        [typeof(StatusWebhookDelivery)] = new StatusWebhookDelivery
        {
            DeliveryId = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"), RequestId = RequestId, Sequence = 2, EventType = "request.status",
            Status = "failing", Attempts = 3, LastStatusCode = 500, LastError = "The endpoint answered 500.", NextAttemptAt = At.AddMinutes(2).UtcDateTime,
            CreatedAt = At.UtcDateTime, Payload = new RequestStatusEvent
            {
                Event = "request.status", RequestId = RequestId, DomainName = "clinic.example", Sequence = 2, Channel = "sms", Status = "delivered",
                TwilioSid = "SM0123456789abcdef0123456789abcdef", OccurredAt = At,
            },
        },
    };

    public static JsonNode? For(Type type) =>
        Examples.TryGetValue(type, out var example) ? JsonSerializer.SerializeToNode(example, type, Wire) : null;
}
