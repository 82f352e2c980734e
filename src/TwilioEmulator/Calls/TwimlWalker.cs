using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Aventora.TwilioEmulator.Callbacks;
using Aventora.TwilioEmulator.People;

namespace Aventora.TwilioEmulator.Calls;

/// <summary>
/// Walks an answered call's TwiML like Twilio's voice engine: records what is said, answers speech Gathers from the
/// person's script, holds <c>&lt;Connect&gt;&lt;Stream&gt;</c> Media Streams (<see cref="MediaStreamPlayer"/>), follows actions and
/// Redirects, stops on Hangup or the end of a document. Returns the call's
/// duration in seconds. Bounded to <see cref="MaxDocuments"/> documents so a looping application cannot hang it.
/// </summary>
internal sealed class TwimlWalker(PeopleScripts people, WebhookSender webhooks, MediaStreamPlayer streams, TimeProvider clock)
{
    public const int MaxDocuments = 20;

    // Emulated time: enough to make durations plausible and proportional to the conversation.
    private const int SecondsPerSay = 3;
    private const int SecondsPerAnswer = 4;
    private const int GatherTimeoutSeconds = 5;

    private sealed record Document(XDocument Xml, Uri? Url);

    /// <summary>What a document asks for when it stops: fetch another one, or end the call.</summary>
    private sealed record Next(string? Url, string Method, List<KeyValuePair<string, string>>? Extra = null, string? Twiml = null)
    {
        public bool Continues => Url is not null || Twiml is not null;
    }

    /// <summary>
    /// Walks the call from its own TwiML, or from <paramref name="start"/> when the application updated the call before that
    /// (a hang-up then ends it at once). The first TwiML request carries <paramref name="firstRequestExtra"/> (AnsweredBy of a
    /// synchronous detection). An update arriving during the walk takes over before the next verb.
    /// </summary>
    public async Task<int> WalkAsync(
        CallState call, string token, CancellationToken ct, CallUpdate? start = null, List<KeyValuePair<string, string>>? firstRequestExtra = null)
    {
        var seconds = 0;
        Document? document;
        if (start is not null)
        {
            if (FromUpdate(call, start) is not { } first) return 1;
            document = await OpenAsync(call, token, first, ct);
        }
        else
        {
            document = call.Twiml is { } inline
                ? Parse(call, inline, null)
                : await FetchAsync(call, token, call.Url!, call.Method, firstRequestExtra, ct);
        }

        for (var turn = 1; document is not null; turn++)
        {
            var (next, spent) = await RunAsync(call, document, ct);
            seconds += spent;
            if (next is not { Continues: true }) break;
            if (turn >= MaxDocuments)
            {
                Record(call, "error", $"Stopped after {MaxDocuments} TwiML documents", next.Url);
                break;
            }
            document = await OpenAsync(call, token, next, ct);
        }
        return Math.Max(1, seconds);
    }

    private Task<Document?> OpenAsync(CallState call, string token, Next next, CancellationToken ct) =>
        next.Twiml is { } twiml ? Task.FromResult(Parse(call, twiml, null)) : FetchAsync(call, token, next.Url!, next.Method, next.Extra, ct);

    /// <summary>What a live-call update asks for: new TwiML or URL to go on with, or (null) the end of the call.</summary>
    private Next? FromUpdate(CallState call, CallUpdate update)
    {
        Record(call, "update", update.Status ?? (update.Twiml is not null ? "twiml" : "url"), update.Url);
        if (update.Status is not null)
        {
            Record(call, "hangup", null, null);
            return null;
        }
        return new Next(update.Url, update.Method, null, update.Twiml);
    }

    private async Task<(Next? Next, int Seconds)> RunAsync(CallState call, Document document, CancellationToken ct)
    {
        var seconds = 0;
        foreach (var verb in document.Xml.Root?.Elements() ?? [])
        {
            if (call.TakeUpdate() is { } update) return (FromUpdate(call, update), seconds);
            switch (verb.Name.LocalName)
            {
                case "Say":
                    Record(call, "say", verb.Value.Trim(), null);
                    seconds += SecondsPerSay;
                    break;
                case "Play":
                    Record(call, "play", null, verb.Value.Trim());
                    seconds += SecondsPerSay;
                    break;
                case "Pause":
                    seconds += int.TryParse(verb.Attribute("length")?.Value, out var length) ? length : 1;
                    break;
                case "Gather":
                    var (gathered, spent) = Gather(call, document, verb);
                    seconds += spent;
                    if (gathered is not null) return (gathered, seconds);
                    break; // Timed out without an action to report to: Twilio goes on with the next verb.
                case "Redirect":
                    var target = Resolve(call, document, verb.Value.Trim());
                    Record(call, "redirect", null, target);
                    return (new Next(target, MethodOf(verb)), seconds);
                case "Connect" when verb.Elements().FirstOrDefault(e => e.Name.LocalName == "Stream") is { } stream:
                    var (ending, streamed) = await streams.PlayAsync(call, stream, ct);
                    seconds += streamed;
                    if (ending == MediaStreamPlayer.Ending.PersonHungUp) return (null, seconds);
                    // The stream is over: Twilio requests the Connect's action, or goes on with the next verb.
                    if (verb.Attribute("action")?.Value is { Length: > 0 } after)
                        return (new Next(Resolve(call, document, after), MethodOf(verb)), seconds);
                    break;
                case "Hangup":
                case "Reject":
                    Record(call, "hangup", null, null);
                    return (null, seconds);
                default:
                    Record(call, "verb", verb.Name.LocalName, null);
                    break;
            }
        }
        return (null, seconds); // End of the document: Twilio hangs up.
    }

    private (Next? Next, int Seconds) Gather(CallState call, Document document, XElement gather)
    {
        var seconds = 0;
        foreach (var prompt in gather.Elements())
        {
            if (prompt.Name.LocalName == "Say") Record(call, "say", prompt.Value.Trim(), null);
            else if (prompt.Name.LocalName == "Play") Record(call, "play", null, prompt.Value.Trim());
            seconds += SecondsPerSay;
        }

        var input = gather.Attribute("input")?.Value ?? "dtmf";
        var listensForSpeech = input.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("speech");
        var action = gather.Attribute("action")?.Value;
        Record(call, "gather", input, action);

        // Without an action Twilio posts the result to the current document's URL.
        var actionUrl = action is { Length: > 0 } ? Resolve(call, document, action) : document.Url?.OriginalString;
        var said = listensForSpeech ? people.NextUtterance(call.To) : null;
        if (said is not null)
        {
            Record(call, "speech", said, actionUrl);
            return (new Next(actionUrl, MethodOf(gather),
                [new("SpeechResult", said), new("Confidence", "0.9")]), seconds + SecondsPerAnswer);
        }

        Record(call, "timeout", null, null);
        seconds += int.TryParse(gather.Attribute("timeout")?.Value, out var t) ? t : GatherTimeoutSeconds;
        var reportEmpty = string.Equals(gather.Attribute("actionOnEmptyResult")?.Value, "true", StringComparison.OrdinalIgnoreCase);
        return (reportEmpty && action is { Length: > 0 } ? new Next(actionUrl, MethodOf(gather)) : null, seconds);
    }

    private async Task<Document?> FetchAsync(
        CallState call, string token, string url, string method,
        List<KeyValuePair<string, string>>? extra, CancellationToken ct)
    {
        var form = CallParameters.For(call, "in-progress");
        if (extra is not null) form.AddRange(extra);
        var answer = await webhooks.SendAsync("twiml", url, method, token, form, ct);
        if (!answer.Succeeded)
        {
            // Twilio: 11200 HTTP retrieval failure, then "an application error has occurred" and hang up.
            Record(call, "error", $"11200 HTTP retrieval failure ({answer.Status})", url);
            call.NoteApplicationError(11200, "HTTP retrieval failure", url, clock.GetUtcNow());
            return null;
        }
        return Parse(call, answer.Body, new Uri(url));
    }

    private Document? Parse(CallState call, string twiml, Uri? url)
    {
        Record(call, "twiml", twiml, url?.OriginalString);
        try
        {
            var xml = XDocument.Parse(twiml);
            if (xml.Root?.Name.LocalName == "Response") return new Document(xml, url);
        }
        catch (XmlException)
        {
            // Falls through to the same error Twilio reports.
        }
        Record(call, "error", "12100 Document parse failure", url?.OriginalString);
        call.NoteApplicationError(12100, "Document parse failure", url?.OriginalString, clock.GetUtcNow());
        return null;
    }

    private string? Resolve(CallState call, Document document, string target)
    {
        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            return target; // Signed exactly as the application wrote it.
        if (document.Url is not null) return new Uri(document.Url, target).AbsoluteUri;
        Record(call, "error", $"11100 Invalid URL format: relative '{target}' in inline TwiML", null);
        call.NoteApplicationError(11100, "Invalid URL format", document.Url?.OriginalString, clock.GetUtcNow());
        return null;
    }

    private static string MethodOf(XElement verb) =>
        (verb.Attribute("method")?.Value ?? "POST").ToUpper(CultureInfo.InvariantCulture);

    private void Record(CallState call, string kind, string? text, string? url) =>
        call.Record(kind, text, url, clock.GetUtcNow());
}
