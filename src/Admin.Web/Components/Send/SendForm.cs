using System.Text.Json;
using System.Text.RegularExpressions;

namespace Aventora.Admin.Web.Components.Send;

/// <summary>What the single-send dialog holds, and the checks it makes as you type (the API checks again and has the last word).</summary>
public sealed partial class SendForm
{
    public static readonly (string Value, string Label)[] ChannelOptions =
        [("phone", "Phone"), ("sms", "SMS"), ("wmsg", "WhatsApp Message"), ("wvoice", "WhatsApp Voice")];

    public string PhoneNumber { get; set; } = "";
    public string Channel { get; set; } = "sms";
    public string Type { get; set; } = "informational";
    public string Instruction { get; set; } = "";
    public string? Name { get; set; }
    public string? DomainName { get; set; }
    public string? ContentSid { get; set; }
    public string? ContentVariables { get; set; }

    public bool IsWhatsAppMessage => Channel == "wmsg";

    public static string? CheckPhoneNumber(string? value) =>
        string.IsNullOrWhiteSpace(value) ? "Enter the phone number in E.164: + then the country code and number, e.g. +14155550123."
        : E164().IsMatch(value.Trim()) ? null
        : "Not E.164: use + then the country code and number, digits only, no spaces (e.g. +14155550123).";

    public string? CheckType() =>
        string.IsNullOrWhiteSpace(Type) ? "Enter a type, e.g. informational or appointment_booking."
        : TypePattern().IsMatch(Type.Trim()) ? null : "A type holds only letters, digits, '_' and '-' (at most 100).";

    public string? CheckInstruction() =>
        string.IsNullOrWhiteSpace(Instruction) ? "Enter what the message or call should say or achieve."
        : Instruction.Length > 2000 ? "The instruction is longer than 2,000 characters." : null;

    public string? CheckDomain(bool isAdmin) =>
        isAdmin && string.IsNullOrWhiteSpace(DomainName) && Channel is "wmsg" or "wvoice"
            ? "Choose a domain: WhatsApp credentials come from the domain." : null;

    public string? CheckContentSid() =>
        !IsWhatsAppMessage || string.IsNullOrWhiteSpace(ContentSid) ? null
        : ContentSidPattern().IsMatch(ContentSid.Trim()) ? null : "A content template SID is HX followed by 32 hex digits.";

    public string? CheckContentVariables()
    {
        if (!IsWhatsAppMessage || string.IsNullOrWhiteSpace(ContentVariables)) return null;
        if (string.IsNullOrWhiteSpace(ContentSid)) return "Content variables go with a content template: fill in content_sid too.";
        try
        {
            using var json = JsonDocument.Parse(ContentVariables);
            return json.RootElement.ValueKind == JsonValueKind.Object ? null : "Content variables are a JSON object, e.g. {\"1\":\"Jane\"}.";
        }
        catch (JsonException)
        {
            return "Content variables are not valid JSON: use an object such as {\"1\":\"Jane\"}.";
        }
    }

    /// <summary>Every problem the form can see by itself, by the API's field names.</summary>
    public Dictionary<string, string> Validate(bool isAdmin)
    {
        var errors = new Dictionary<string, string>();
        void Add(string field, string? message) { if (message is not null) errors[field] = message; }
        Add("phone_number", CheckPhoneNumber(PhoneNumber));
        Add("type", CheckType());
        Add("instruction", CheckInstruction());
        Add("domain_name", CheckDomain(isAdmin));
        Add("content_sid", CheckContentSid());
        Add("content_variables", CheckContentVariables());
        return errors;
    }

    /// <summary>The POST /start body; the template fields go only with WhatsApp Message.</summary>
    public Dictionary<string, object?> ToBody() => new()
    {
        ["phone_number"] = PhoneNumber.Trim(),
        ["channel"] = Channel,
        ["type"] = Type.Trim(),
        ["instruction"] = Instruction.Trim(),
        ["name"] = string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(),
        ["domain_name"] = string.IsNullOrWhiteSpace(DomainName) ? null : DomainName,
        ["content_sid"] = IsWhatsAppMessage && !string.IsNullOrWhiteSpace(ContentSid) ? ContentSid.Trim() : null,
        ["content_variables"] = IsWhatsAppMessage && !string.IsNullOrWhiteSpace(ContentVariables) ? ContentVariables.Trim() : null,
    };

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")] private static partial Regex E164();
    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")] private static partial Regex TypePattern();
    [GeneratedRegex("^HX[0-9a-fA-F]{32}$")] private static partial Regex ContentSidPattern();
}
