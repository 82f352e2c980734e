using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aventora.Ingress.Api.Admin;

/// <summary>Checks a domain's technical_json and hides its secrets on the way out.</summary>
public static partial class TechnicalJson
{
    public const string Masked = "********";

    /// <summary>How the domain's calls hold the conversation: gather (default) or stream.</summary>
    public const string VoiceModeKey = "voice_mode";

    /// <summary>Keys whose values are secrets: written, never read back.</summary>
    public static bool IsSecret(string key) => Persistence.Secrets.SecretKeys.IsSecret(key);

    /// <summary>
    /// Merges <paramref name="changes"/> into <paramref name="current"/>: a key with a value sets it, a key with null removes it,
    /// and a secret sent back as the mask keeps its stored value. Returns the errors, naming each bad key.
    /// </summary>
    public static Dictionary<string, string?> Merge(IReadOnlyDictionary<string, string?> current, JsonObject changes, List<string> errors)
    {
        var merged = new Dictionary<string, string?>(current);
        foreach (var (key, node) in changes)
        {
            if (node is null) { merged.Remove(key); continue; }
            if (node.GetValueKind() != JsonValueKind.String) { errors.Add($"technical_json.{key} must be a string."); continue; }
            var value = node.GetValue<string>().Trim();
            if ((Requests.TextRules.FindForbidden(key, allowLineBreaks: false) ?? Requests.TextRules.FindForbidden(value, allowLineBreaks: true)) is { } where)
            {
                errors.Add($"technical_json.{key} holds a control character ({where}); remove it.");
                continue;
            }
            if (IsSecret(key) && value == Masked) continue;
            if (key.EndsWith("_account_sid", StringComparison.Ordinal) && !AccountSid().IsMatch(value))
                errors.Add($"technical_json.{key} must be a Twilio account SID (AC and 32 hex digits).");
            else if (key.EndsWith("_number", StringComparison.Ordinal) && !Number().IsMatch(value))
                errors.Add($"technical_json.{key} must be an E.164 number such as +14155550123 (a whatsapp: prefix is allowed).");
            else if (key == VoiceModeKey && value is not ("gather" or "stream"))
                errors.Add($"technical_json.{VoiceModeKey} must be 'gather' (TwiML turns, the default) or 'stream' (a Media Stream with barge-in).");
            else if (Domains.Campaigns.CampaignSettings.Check(key, value) is { } campaignError) errors.Add(campaignError);
            else merged[key] = value;
        }
        return merged;
    }

    public static Dictionary<string, string?> MaskSecrets(IReadOnlyDictionary<string, string?> technicalJson) =>
        technicalJson.ToDictionary(kv => kv.Key, kv => IsSecret(kv.Key) && !string.IsNullOrEmpty(kv.Value) ? Masked : kv.Value);

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")] private static partial Regex AccountSid();
    [GeneratedRegex("^(whatsapp:)?\\+[1-9][0-9]{6,14}$")] private static partial Regex Number();
}
