namespace Aventora.Conversations.Assistant;

/// <summary>
/// The offline, deterministic assistant: it opens from the type, instruction and name, and follows simple replies
/// (confirm, decline, goodbye, anything else is asked again); on a call, key 1 confirms and key 2 declines.
/// </summary>
public sealed class ScriptedAssistant : IAssistant
{
    private static readonly string[] Confirmations = ["yes", "y", "yeah", "yep", "sure", "ok", "okay", "confirm", "confirmed", "correct", "1"];
    private static readonly string[] Declines = ["no", "n", "nope", "decline", "cancel it", "not now", "2"];
    private static readonly string[] Goodbyes = ["bye", "goodbye", "thanks", "thank you", "that's all", "done"];

    public Task<AssistantReply> OpenAsync(ConversationBrief brief, CancellationToken cancellationToken)
    {
        var greeting = string.IsNullOrWhiteSpace(brief.Name) ? "Hello" : $"Hello {brief.Name.Trim()}";
        var from = string.IsNullOrWhiteSpace(brief.DomainName) ? "" : $", this is {brief.DomainName}";
        var ask = brief.Type switch
        {
            "appointment_booking" => " Would you like to book an appointment? Please answer yes or no.",
            "confirmation" or "appointment_confirmation" => " Can you confirm? Please answer yes or no.",
            _ => " Reply if you have any question.",
        };
        return Task.FromResult(new AssistantReply($"{greeting}{from}. {EndSentence(brief.Instruction.Trim())}{ask}", false));
    }

    public Task<AssistantReply> ReplyAsync(ConversationBrief brief, IReadOnlyList<Turn> transcript, CancellationToken cancellationToken)
    {
        var said = Normalise(transcript.LastOrDefault(t => t.Speaker == Speakers.Person)?.Text);
        AssistantReply reply = said switch
        {
            _ when brief.Type == "inbound" && !Matches(said, Goodbyes) =>
                new($"Thank you for your message{(brief.DomainName is null ? "" : " to " + brief.DomainName)}. We have noted it and will get back to you.", false),
            _ when Matches(said, Goodbyes) => new("Thank you, goodbye.", true),
            _ when Matches(said, Confirmations) => new($"Thank you, that is confirmed: {EndSentence(brief.Instruction.Trim())} Goodbye.", true),
            _ when Matches(said, Declines) => new("Understood, we will not go ahead. Goodbye.", true),
            _ => new($"Sorry, I did not understand. {EndSentence(brief.Instruction.Trim())} Please answer yes or no.", false),
        };
        return Task.FromResult(reply);
    }

    private static string Normalise(string? text) =>
        new string((text ?? "").Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '\'').ToArray()).Trim();

    private static bool Matches(string said, string[] words) => words.Any(w => said == w || said.StartsWith(w + " ", StringComparison.Ordinal));

    private static string EndSentence(string text) => text.Length == 0 || ".!?".Contains(text[^1]) ? text : text + ".";
}

public static class Speakers
{
    public const string Assistant = "assistant";
    public const string Person = "person";
}
