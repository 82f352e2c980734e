using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aventora.Contracts;

namespace Aventora.Ingress.Api.Requests;

/// <summary>A request that passed every check: what the producers publish.</summary>
public sealed record ValidRequest(
    PhoneNumber PhoneNumber, string Channel, string Type, string Instruction, string? DomainName,
    string? Name, string? Email, string? ContentSid, string? ContentVariables)
{
    /// <summary>Not before this time; null for at once.</summary>
    public DateTimeOffset? SendAt { get; init; }
    public bool IgnoreQuietHours { get; init; }
}

/// <summary>The one set of rules for a request, whether it came from the API, a CSV row or a mail.</summary>
public static partial class OutboundRequestValidator
{
    public const int MaxTypeLength = 100;
    public const int MaxInstructionLength = 2000;
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;
    public const int MaxContentVariablesLength = 10 * 1024;
    public const int MaxScheduleDays = 366;

    /// <summary>Validates every field; <paramref name="errors"/> names each bad field (snake_case) with its reasons.</summary>
    public static bool TryValidate(StartRequest request, out ValidRequest? valid, out Dictionary<string, string[]> errors)
    {
        var found = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (found.TryGetValue(field, out var list) ? list : found[field] = []).Add(message);

        foreach (var (field, text, multiLine) in TextFields(request))
        {
            if (TextRules.FindForbidden(text, multiLine) is { } where) Add(field, TextRules.Refusal(field, where, multiLine));
        }

        PhoneNumber.TryParse(request.PhoneNumber, out var phone, out var phoneError);
        if (phone is null && !found.ContainsKey("phone_number")) Add("phone_number", $"phone_number {phoneError}.");

        var channel = request.Channel?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(channel)) Add("channel", $"channel is required: one of {string.Join(", ", Channels.ValidChannels)}.");
        else if (!Channels.ValidChannels.Contains(channel))
            Add("channel", $"channel '{request.Channel}' is not valid: use one of {string.Join(", ", Channels.ValidChannels)}.");

        var type = request.Type?.Trim();
        if (string.IsNullOrEmpty(type)) Add("type", "type is required (e.g. informational, appointment_booking).");
        else if (type.Length > MaxTypeLength) Add("type", $"type is longer than {MaxTypeLength} characters.");
        else if (!TypePattern().IsMatch(type)) Add("type", $"type '{type}' may hold only letters, digits, '_' and '-'.");

        var instruction = request.Instruction?.Trim();
        if (string.IsNullOrEmpty(instruction)) Add("instruction", "instruction is required.");
        else if (instruction.Length > MaxInstructionLength) Add("instruction", $"instruction is longer than {MaxInstructionLength} characters.");

        var domain = Blank(request.DomainName)?.ToLowerInvariant();
        if (domain is not null && !DomainPattern().IsMatch(domain))
            Add("domain_name", $"domain_name '{request.DomainName}' may hold only letters, digits, '.', '_' and '-' (at most 200).");
        else if (domain is null && channel is Channels.WhatsAppMessage or Channels.WhatsAppVoice)
            Add("domain_name", $"domain_name is required for channel '{channel}': WhatsApp credentials come from the domain.");

        var name = Blank(request.Name);
        if (name is { Length: > MaxNameLength }) Add("name", $"name is longer than {MaxNameLength} characters.");

        var email = Blank(request.Email);
        if (email is not null && (email.Length > MaxEmailLength || !MailAddress.TryCreate(email, out _)))
            Add("email", $"email '{email}' is not an email address.");

        var contentSid = Blank(request.ContentSid);
        if (contentSid is not null && !ContentSidPattern().IsMatch(contentSid))
            Add("content_sid", $"content_sid '{contentSid}' is not a Twilio content template SID (HX and 32 hex digits).");
        var contentVariables = Blank(request.ContentVariables);
        if (contentVariables is { Length: > MaxContentVariablesLength })
            Add("content_variables", $"content_variables is longer than {MaxContentVariablesLength} characters.");
        else if (contentVariables is not null && !IsJsonObject(contentVariables))
            Add("content_variables", "content_variables must be a JSON object such as {\"1\":\"Jane\"}.");
        else if (contentVariables is not null && contentSid is null)
            Add("content_variables", "content_variables needs content_sid.");
        // Content templates are WhatsApp's; on any other channel they would be carried along and silently ignored.
        if (channel is not null && Channels.ValidChannels.Contains(channel) && channel != Channels.WhatsAppMessage)
        {
            if (contentSid is not null) Add("content_sid", $"content_sid is only for channel '{Channels.WhatsAppMessage}' (WhatsApp templates), not '{channel}'.");
            if (contentVariables is not null) Add("content_variables", $"content_variables is only for channel '{Channels.WhatsAppMessage}' (WhatsApp templates), not '{channel}'.");
        }

        DateTimeOffset? sendAt = null;
        if (Blank(request.SendAt) is { } sendAtText)
        {
            if (!SendAtPattern().IsMatch(sendAtText) || !DateTimeOffset.TryParse(sendAtText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                Add("send_at", $"send_at '{(sendAtText.Length <= 40 ? sendAtText : sendAtText[..40])}' must be an ISO 8601 time with an offset, such as 2026-12-01T09:30:00+01:00 or 2026-12-01T08:30:00Z.");
            else if (parsed > DateTimeOffset.UtcNow.AddDays(MaxScheduleDays))
                Add("send_at", $"send_at may be at most {MaxScheduleDays} days ahead.");
            else sendAt = parsed.ToUniversalTime(); // PostgreSQL's timestamptz holds instants: UTC from here on
        }

        errors = found.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        valid = errors.Count == 0
            ? new ValidRequest(phone!, channel!, type!, instruction!, domain, name, email, contentSid, contentVariables)
            {
                SendAt = sendAt, IgnoreQuietHours = request.IgnoreQuietHours == true,
            }
            : null;
        return valid is not null;
    }

    /// <summary>Every text field with whether it may span lines: only the instruction (and the JSON of the variables) may.</summary>
    private static IEnumerable<(string Field, string? Text, bool MultiLine)> TextFields(StartRequest request) =>
    [
        ("phone_number", request.PhoneNumber, false), ("channel", request.Channel, false), ("type", request.Type, false),
        ("instruction", request.Instruction, true), ("domain_name", request.DomainName, false), ("name", request.Name, false),
        ("email", request.Email, false), ("content_sid", request.ContentSid, false), ("content_variables", request.ContentVariables, true),
        ("send_at", request.SendAt, false),
    ];

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool IsJsonObject(string text)
    {
        try { using var doc = JsonDocument.Parse(text); return doc.RootElement.ValueKind == JsonValueKind.Object; }
        catch (JsonException) { return false; }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")] private static partial Regex TypePattern();
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,199}$")] private static partial Regex DomainPattern();
    [GeneratedRegex("^HX[0-9a-fA-F]{32}$")] private static partial Regex ContentSidPattern();
    // A date, a time and an explicit offset (Z or ±hh:mm): a time without one would be read in the server's zone, a guess.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})$")] private static partial Regex SendAtPattern();
}
