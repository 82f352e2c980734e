namespace Aventora.Contracts.Voice;

/// <summary>
/// Twilio's asynchronous answering machine detection result for a request's phone call (<c>AsyncAmdStatusCallback</c>):
/// human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax or unknown.
/// </summary>
public sealed record AnsweringMachineDetected
{
    public required Guid RequestId { get; init; }
    public string? DomainName { get; init; }
    public required string Channel { get; init; }
    public required string CallSid { get; init; }
    public required string AnsweredBy { get; init; }
    public DateTimeOffset ReportedAt { get; init; }
}

/// <summary>What Twilio's answering machine detection reports, and which of those are a machine or fax (not a person).</summary>
public static class AnsweredByValues
{
    public const string Human = "human";
    public const string Fax = "fax";
    public const string Unknown = "unknown";
    public static readonly IReadOnlyList<string> All =
        [Human, "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", Fax, Unknown];

    public static bool IsMachine(string answeredBy) => answeredBy.StartsWith("machine_", StringComparison.Ordinal);
}
