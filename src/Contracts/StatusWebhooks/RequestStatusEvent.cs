using System.Text.Json.Serialization;

namespace Aventora.Contracts.StatusWebhooks;

/// <summary>
/// What a domain's status webhook receives (the body Aventora signs and posts): one event of a request, numbered by
/// <see cref="Sequence"/> per request, so a receiver can order them and drop repeats. <c>request.status</c> when the request's
/// status changed; <c>request.transcript</c> when its conversation got a turn (<see cref="TranscriptTurn"/>).
/// </summary>
public sealed record RequestStatusEvent
{
    [JsonPropertyName("event")] public required string Event { get; init; }
    [JsonPropertyName("request_id")] public required Guid RequestId { get; init; }
    [JsonPropertyName("domain_name")] public required string DomainName { get; init; }
    [JsonPropertyName("sequence")] public required int Sequence { get; init; }
    [JsonPropertyName("channel")] public required string Channel { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }
    [JsonPropertyName("error_message")] public string? ErrorMessage { get; init; }
    [JsonPropertyName("twilio_sid")] public string? TwilioSid { get; init; }
    [JsonPropertyName("occurred_at")] public required DateTimeOffset OccurredAt { get; init; }
    [JsonPropertyName("transcript_turn")] public RequestTranscriptTurn? TranscriptTurn { get; init; }
}

/// <summary>The turn a <c>request.transcript</c> event carries: who spoke, what was said, when.</summary>
public sealed record RequestTranscriptTurn
{
    [JsonPropertyName("speaker")] public required string Speaker { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("at")] public required DateTimeOffset At { get; init; }
}
