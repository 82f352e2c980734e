using System.Text.Json.Serialization;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Inspection;

// The admin/inspection API's public records. They are the wire contract (snake_case JSON, see EmulatorJson)
// and what EmulatorClient hands back, so the server and the client share one definition.

/// <summary>An account the emulator accepts; the token is write-only (never listed, logged or echoed).</summary>
public sealed record AccountCredentials(string Sid, string AuthToken);

/// <summary>What the emulator says back about an account: its SID only.</summary>
public sealed record AccountInfo(string Sid);

/// <summary>
/// One REST request as the emulator received and answered it. StatusCode 0 means no answer reached the client
/// (an after_create "timeout" or "drop": AnswerFault says which; CreatedSid says what was created nonetheless).
/// </summary>
public sealed record RecordedRequest(
    long Id,
    DateTimeOffset Time,
    string Method,
    string Path,
    string? Resource,
    string? AccountSid,
    IReadOnlyDictionary<string, IReadOnlyList<string>> FormValues,
    int StatusCode,
    string? CreatedSid,
    int? ErrorCode,
    string? AnswerFault = null)
{
    /// <summary>First value of each parameter: what a reader usually wants (repeated ones are in <see cref="FormValues"/>).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> Form =>
        FormValues.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => p.Value[0]);

    [JsonIgnore] public string? To => Form.GetValueOrDefault("To");
    [JsonIgnore] public string? From => Form.GetValueOrDefault("From");
    [JsonIgnore] public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>A message created through the REST API, with its current delivery state.</summary>
public sealed record EmulatedMessage(
    string Sid,
    string AccountSid,
    string To,
    string? From,
    string? Body,
    string Status,
    string? ContentSid,
    string? ContentVariables,
    string? MessagingServiceSid,
    IReadOnlyList<string> MediaUrls,
    string? StatusCallback,
    int? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset DateCreated,
    DateTimeOffset DateUpdated,
    IReadOnlyList<string> StatusHistory,
    DateTimeOffset? DateSent = null,
    string? AnswerFault = null);

/// <summary>One thing that happened during a call, in order.</summary>
/// <param name="Kind">twiml (document fetched), amd (Text: what answering machine detection reported), update (a live-call update: Text twiml, url or the status), say, play, gather, speech (person answered), timeout, redirect, hangup, verb (unsupported verb skipped), error;
/// on a Media Stream: stream (connecting to Url), stream-start (Text: the stream SID), dtmf, played (Text: ms of the assistant's audio
/// heard since the last step), clear (Text: ms of buffered audio discarded), stream-closed (by the application), stream-dropped, stream-stop (the person hung up).</param>
public sealed record ConversationStep(string Kind, string? Text, string? Url, DateTimeOffset At);

/// <summary>
/// Who (or what) picks up the person's calls, as answering machine detection reports it: human, machine_start, machine_end_beep,
/// machine_end_silence, machine_end_other, fax or unknown. Times null: every call until replaced; otherwise that many calls.
/// Unscripted numbers are answered by a human.
/// </summary>
public sealed record AnsweringScript(string Number, string AnsweredBy, int? Times = null);

/// <summary>A call created through the REST API, with its current state and everything said in it.</summary>
public sealed record EmulatedCall(
    string Sid,
    string AccountSid,
    string To,
    string From,
    string Status,
    string? Url,
    string Method,
    string? Twiml,
    string? StatusCallback,
    IReadOnlyList<string> StatusCallbackEvents,
    int? Duration,
    int? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset DateCreated,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    IReadOnlyList<string> StatusHistory,
    IReadOnlyList<ConversationStep> Conversation,
    string? AnswerFault = null,
    string? AnsweredBy = null,
    string? MachineDetection = null)
{
    [JsonIgnore] public IReadOnlyList<string> Says => TextsOf("say");
    [JsonIgnore] public IReadOnlyList<string> Answers => TextsOf("speech");
    [JsonIgnore] public IReadOnlyList<string> TwimlUrls =>
        Conversation.Where(s => s.Kind == "twiml").Select(s => s.Url ?? "(inline)").ToList();

    /// <summary>True once the call reached a status it never leaves.</summary>
    [JsonIgnore] public bool IsFinal => Status is "completed" or "busy" or "no-answer" or "failed" or "canceled";

    private List<string> TextsOf(string kind) =>
        Conversation.Where(s => s.Kind == kind && s.Text is not null).Select(s => s.Text!).ToList();
}

/// <summary>
/// Makes matching REST requests fail (or just wait). Null To/Resource/Method match anything; Resource is "Messages"
/// or "Calls", Method "GET" or "POST". Status null with DelayMs set is a pure delay. Times null means forever;
/// otherwise it counts the requests the rule acted on.
/// <para>
/// Without AfterCreate the request is refused before anything is created. With AfterCreate ("timeout", "drop" or
/// "500") the rule only acts on creations (POST .../Messages.json or .../Calls.json): the message or call is created
/// for real and lives on, then the answer fails: "timeout" holds it for DelayMs (default
/// <see cref="DefaultTimeoutHoldMs"/>) and aborts the connection, "drop" aborts it at once, "500" answers 500 with
/// Code (default 20500). Status is ignored then.
/// </para>
/// <para>
/// EveryNth (n ≥ 1) acts on the nth, 2nth, ... matching request; Probability (0..1) acts on a matching request with
/// that chance, drawn from a generator seeded with Seed (default 0) so a run is repeatable. Requests the rule lets
/// pass go on to the next rule.
/// </para>
/// </summary>
public sealed record FailureRule(
    string? To = null,
    string? Resource = null,
    int? Status = 500,
    int? Code = 20500,
    string? Message = null,
    int? Times = null,
    int? DelayMs = null,
    string? AfterCreate = null,
    int? EveryNth = null,
    double? Probability = null,
    int? Seed = null,
    string? Method = null)
{
    /// <summary>How long "timeout" holds an answer by default: longer than HttpClient's default 100 s timeout.</summary>
    public const int DefaultTimeoutHoldMs = 120_000;

    /// <summary>The after_create modes.</summary>
    public static IReadOnlyList<string> AnswerFaults { get; } = ["timeout", "drop", "500"];
}

/// <summary>How a call to Number ends without being answered: busy, no-answer or failed (e.g. code 37000 for WhatsApp without call permission).</summary>
public sealed record CallOutcome(string Number, string Status, int? ErrorCode = null, string? ErrorMessage = null, int? Times = null);

/// <summary>How messages to Number end: undelivered or failed with an ErrorCode such as 30003, 30006 or 63016.</summary>
public sealed record DeliveryOutcome(string Number, string Status, int? ErrorCode = null, string? ErrorMessage = null, int? Times = null);

/// <summary>What the person at Number says, one utterance per speech Gather.</summary>
/// <summary>Whether the person at <paramref name="Number"/> lets the business call them on WhatsApp (unscripted: granted).</summary>
public sealed record WhatsAppCallPermission(string Number, bool Granted);

public sealed record SpeechScript(string Number, IReadOnlyList<string> Utterances);

/// <summary>
/// What the person at <paramref name="Number"/> does on a Media Stream call (<c>&lt;Connect&gt;&lt;Stream&gt;</c>), step by step.
/// Steps replace earlier ones and are used up by one call.
/// </summary>
public sealed record StreamScript(string Number, IReadOnlyList<StreamStep> Steps);

/// <summary>
/// One thing the person does on a stream: say <paramref name="Audio"/> (base64 µ-law 8 kHz; <paramref name="Text"/> is only the
/// label recorded as the call's "speech"), press <paramref name="Digits"/>, hang up, or <paramref name="Drop"/> the stream (the
/// WebSocket breaks, the call goes on). A step waits until the assistant has finished talking, or, with
/// <paramref name="BargeInAfterMs"/>, starts once that much of the assistant's current audio was played, talking over it.
/// </summary>
public sealed record StreamStep(
    string? Text = null, string? Audio = null, string? Digits = null, int? BargeInAfterMs = null, bool HangUp = false, bool Drop = false);

/// <summary>A person texting in: the emulator posts it to WebhookUrl exactly as Twilio would. Channel is "sms" or "whatsapp".</summary>
public sealed record InboundMessage(
    string WebhookUrl,
    string AccountSid,
    string From,
    string To,
    string Body,
    string Channel = "sms",
    string? ProfileName = null);

/// <summary>What the application's webhook answered.</summary>
public sealed record WebhookResult(int Status, string Body, string? MessageSid = null);

/// <summary>A webhook the emulator sent (status callback, TwiML fetch, Gather action, inbound message), for debugging.</summary>
public sealed record SentWebhook(
    DateTimeOffset Time,
    string Kind,
    string Method,
    string Url,
    IReadOnlyDictionary<string, string> Form,
    int Status);

internal static class ToMatch
{
    /// <summary>Filters accept a number with or without the whatsapp: prefix.</summary>
    public static bool Matches(string? filter, string? candidate) =>
        string.IsNullOrWhiteSpace(filter) || PhoneNumber.SameNumber(filter, candidate);
}

/// <summary>
/// One page of an inspection listing (GET /_emulator/messages or /_emulator/calls with page_size, page or after),
/// oldest first. NextAfter is the SID to pass as after= for the next page; null on the last one.
/// Total counts everything the listing covers (all, or one To number), not just this page.
/// </summary>
public sealed record EmulatedPage<T>(IReadOnlyList<T> Items, int Page, int PageSize, string? NextAfter, int Total);

/// <summary>Counts for benchmarks: GET /_emulator/stats.</summary>
public sealed record EmulatorStats(
    CreationStats Messages,
    CreationStats Calls,
    RequestStats Requests,
    WebhookStats Webhooks);

/// <summary>
/// What was really created, whatever the client was told. Creations are grouped by their StatusCallback: by the
/// URL's request_id query parameter when it has one, else by the whole URL; a group of more than one is a
/// duplicate send. ToAndContent groups by To plus Body/ContentSid/ContentVariables (messages) or Url/Twiml (calls).
/// </summary>
public sealed record CreationStats(
    int Created,
    IReadOnlyDictionary<string, int> ByStatus,
    IReadOnlyDictionary<string, int> ByAnswerFault,
    int WithoutStatusCallback,
    int DistinctStatusCallbacks,
    int DuplicatedStatusCallbacks,
    int DuplicateCreations,
    IReadOnlyList<CreationGroup> Duplicates,
    int DistinctToAndContent,
    int DuplicatedToAndContent);

/// <summary>Creations sharing one key (a request_id or a StatusCallback URL), oldest first.</summary>
public sealed record CreationGroup(string Key, int Count, IReadOnlyList<string> Sids);

/// <summary>REST requests by answered status (0: no answer, after a "timeout" or "drop" fault).</summary>
public sealed record RequestStats(int Total, IReadOnlyDictionary<string, int> ByStatusCode, IReadOnlyDictionary<string, int> ByAnswerFault);

/// <summary>Webhooks sent, by kind (message-status, call-status, twiml, ...) and by the application's HTTP status (0: unreachable).</summary>
public sealed record WebhookStats(int Total, IReadOnlyDictionary<string, int> ByKind, IReadOnlyDictionary<string, int> ByStatus);
