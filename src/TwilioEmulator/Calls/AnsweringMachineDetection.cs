using System.Globalization;
using Aventora.TwilioEmulator.Callbacks;
using Aventora.TwilioEmulator.Messages;
using Aventora.TwilioEmulator.Rest;

namespace Aventora.TwilioEmulator.Calls;

/// <summary>
/// Answering machine detection as Twilio runs it for a call created with <c>MachineDetection</c>:
/// <list type="bullet">
/// <item><c>Enable</c> reports as soon as the answerer is known (human, machine_start, fax, unknown);
/// <c>DetectMessageEnd</c> waits, for a machine, until its greeting ends (machine_end_beep, machine_end_silence, machine_end_other).</item>
/// <item>Synchronous (the default): the first TwiML request waits for the result and carries <c>AnsweredBy</c>.</item>
/// <item><c>AsyncAmd=true</c>: the result goes to <c>AsyncAmdStatusCallback</c> while the call goes on. What a machine hears here is
/// what the application does with that callback: the emulator holds the call (a machine says nothing back) for up to
/// <c>Emulator:AmdUpdateWaitMs</c> for a live-call update (new TwiML, or a hang-up), then walks the original TwiML if none came.</item>
/// </list>
/// Who answers is scripted per number (<c>POST /_emulator/people/answering</c>); a human by default.
/// </summary>
internal static class AnsweringMachineDetection
{
    public static readonly IReadOnlyList<string> Results =
        ["human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"];

    public static readonly IReadOnlyList<string> Modes = ["Enable", "DetectMessageEnd"];

    /// <summary>Twilio's error for a MachineDetection value or tuning parameter it does not take.</summary>
    public const int InvalidConfiguration = 21234;

    private static readonly (string Name, int Low, int High)[] TuningRanges =
    [
        ("MachineDetectionTimeout", 3, 59), ("MachineDetectionSpeechThreshold", 1000, 6000),
        ("MachineDetectionSpeechEndThreshold", 500, 5000), ("MachineDetectionSilenceTimeout", 2000, 10000),
    ];

    public static bool IsMachine(string? answeredBy) => answeredBy is not null && answeredBy.StartsWith("machine_", StringComparison.Ordinal);

    /// <summary>What detection reports in <paramref name="mode"/> for a scripted answerer.</summary>
    public static string Report(string mode, string scripted) => (mode, scripted) switch
    {
        ("Enable", _) when IsMachine(scripted) => "machine_start",
        ("DetectMessageEnd", "machine_start") => "machine_end_beep",
        _ => scripted,
    };

    /// <summary>How long detection took, in ms, as Twilio reports it (MachineDetectionDuration): longer for a greeting to its end.</summary>
    public static string DurationMs(string answeredBy) =>
        (answeredBy.StartsWith("machine_end", StringComparison.Ordinal) ? 9200 : answeredBy == "human" ? 1800 : 3400)
        .ToString(CultureInfo.InvariantCulture);

    /// <summary>The create's detection parameters, checked as Twilio checks them.</summary>
    public static ValidationError? Validate(RestExchange request)
    {
        var mode = request.Value("MachineDetection");
        if (mode is not null && !Modes.Contains(mode))
            return new(InvalidConfiguration, $"Invalid Machine Detection configuration value: MachineDetection '{mode}' is not Enable or DetectMessageEnd.");
        foreach (var (name, low, high) in TuningRanges)
            if (request.Value(name) is { } raw && !(int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= low && value <= high))
                return new(InvalidConfiguration, $"Invalid Machine Detection configuration value: {name} must be from {low} to {high}.");
        if (request.Value("AsyncAmd") is { } async && async is not ("true" or "false"))
            return new(InvalidConfiguration, $"Invalid Machine Detection configuration value: AsyncAmd '{async}' is not true or false.");
        if (request.Value("AsyncAmdStatusCallback") is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            return new(21609, $"AsyncAmdStatusCallback is not a valid URL: {url}");
        if (request.Value("AsyncAmdStatusCallbackMethod") is { } method && method.ToUpperInvariant() is not ("GET" or "POST"))
            return new(21209, "AsyncAmdStatusCallbackMethod must be either GET or POST");
        return null;
    }

    /// <summary>The asynchronous result, posted (signed) to the call's AsyncAmdStatusCallback.</summary>
    public static Task NotifyAsync(WebhookSender webhooks, CallState call, string token, CancellationToken ct)
    {
        if (call.AsyncAmdStatusCallback is null || call.AnsweredBy is not { } answeredBy) return Task.CompletedTask;
        List<KeyValuePair<string, string>> form =
        [
            new("CallSid", call.Sid),
            new("AccountSid", call.AccountSid),
            new("AnsweredBy", answeredBy),
            new("MachineDetectionDuration", DurationMs(answeredBy)),
        ];
        return webhooks.SendAsync("amd", call.AsyncAmdStatusCallback, call.AsyncAmdStatusCallbackMethod, token, form, ct);
    }
}
