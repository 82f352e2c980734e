using System.Text.Json;

namespace Aventora.Persistence.Secrets;

/// <summary>Which technical_json keys hold secrets, and that object with those values encrypted or decrypted.</summary>
public static class SecretKeys
{
    public static bool IsSecret(string key) =>
        key.EndsWith("_auth_token", StringComparison.Ordinal) || key.EndsWith("_password", StringComparison.Ordinal) || key.EndsWith("_api_key", StringComparison.Ordinal);

    public static string Protect(string technicalJson, SecretProtector protector) => Map(technicalJson, protector.Protect);

    public static string Reveal(string technicalJson, SecretProtector protector) => Map(technicalJson, protector.Reveal);

    /// <summary>True when a secret of the object is still stored as plain text.</summary>
    public static bool HasPlainSecret(string technicalJson) =>
        Read(technicalJson).Any(kv => IsSecret(kv.Key) && !string.IsNullOrEmpty(kv.Value) && !SecretProtector.IsProtected(kv.Value));

    private static string Map(string technicalJson, Func<string, string> secret)
    {
        var values = Read(technicalJson);
        foreach (var key in values.Keys.Where(IsSecret).ToList())
        {
            if (values[key] is { Length: > 0 } value) values[key] = secret(value);
        }
        return JsonSerializer.Serialize(values);
    }

    private static Dictionary<string, string?> Read(string technicalJson) =>
        JsonSerializer.Deserialize<Dictionary<string, string?>>(technicalJson) ?? [];
}
