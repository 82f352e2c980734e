using Aventora.Ingress.Api.Requests;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>
/// The simple mail format: header lines <c>key: value</c> at the top of the body — <c>phone</c> (required), and optionally
/// <c>channel</c>, <c>type</c>, <c>name</c>, <c>email</c> — then a blank line, then the instruction (the rest of the body).
/// Keys are case-insensitive; <c>phone_number</c> and <c>call_type</c> are accepted too. Lines before the first key line that
/// are blank are skipped. The result goes through <see cref="OutboundRequestValidator"/> like any other request.
/// </summary>
public static class MailRequestParser
{
    private static readonly Dictionary<string, string> Keys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["phone"] = "phone", ["phone_number"] = "phone", ["to"] = "phone",
        ["channel"] = "channel", ["type"] = "type", ["call_type"] = "type", ["name"] = "name", ["email"] = "email",
    };

    /// <summary>The request the body describes, or null with the reason it cannot be read.</summary>
    public static StartRequest? Parse(string? body, string defaultChannel, string defaultType, out string? reason)
    {
        var lines = (body ?? "").Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var fields = new Dictionary<string, string>();
        var i = 0;
        while (i < lines.Length && string.IsNullOrWhiteSpace(lines[i])) i++;
        for (; i < lines.Length && !string.IsNullOrWhiteSpace(lines[i]); i++)
        {
            var colon = lines[i].IndexOf(':');
            var key = colon > 0 ? lines[i][..colon].Trim() : "";
            if (!Keys.TryGetValue(key, out var field))
            {
                reason = $"line '{Truncate(lines[i])}' is not one of phone:, channel:, type:, name:, email: (then a blank line and the instruction).";
                return null;
            }
            fields[field] = lines[i][(colon + 1)..].Trim();
        }
        if (!fields.ContainsKey("phone"))
        {
            reason = "the mail has no 'phone: +...' line at the top of its body, and no CSV attachment.";
            return null;
        }
        reason = null;
        return new StartRequest
        {
            PhoneNumber = fields["phone"],
            Channel = fields.GetValueOrDefault("channel") is { Length: > 0 } channel ? channel : defaultChannel,
            Type = fields.GetValueOrDefault("type") is { Length: > 0 } type ? type : defaultType,
            Name = fields.GetValueOrDefault("name"),
            Email = fields.GetValueOrDefault("email"),
            Instruction = string.Join('\n', lines.Skip(i)).Trim(),
        };
    }

    private static string Truncate(string line) => line.Length <= 60 ? line.Trim() : line[..60].Trim() + "...";
}
