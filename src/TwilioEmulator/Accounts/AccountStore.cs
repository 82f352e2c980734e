using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.Accounts;

/// <summary>The accounts the emulator accepts: from configuration (Emulator:Accounts) plus those added at runtime.</summary>
internal sealed class AccountStore
{
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public AccountStore(IConfiguration configuration)
    {
        foreach (var entry in configuration.GetSection("Emulator:Accounts").GetChildren())
        {
            var sid = entry["Sid"];
            var token = entry["AuthToken"];
            if (!string.IsNullOrWhiteSpace(sid) && !string.IsNullOrEmpty(token)) _tokens[sid] = token;
        }
    }

    /// <summary>Idempotent: adding the same account again just (re)sets its token.</summary>
    public void Add(AccountCredentials account) => _tokens[account.Sid] = account.AuthToken;

    public IReadOnlyList<string> Sids => _tokens.Keys.Order(StringComparer.Ordinal).ToList();

    public string? TokenFor(string? accountSid) =>
        accountSid is not null && _tokens.TryGetValue(accountSid, out var token) ? token : null;

    /// <summary>HTTP Basic with username = account SID = the SID in the path, password = its auth token.</summary>
    public bool Authenticates(string? authorizationHeader, string pathAccountSid)
    {
        if (!TryParseBasic(authorizationHeader, out var user, out var password)) return false;
        if (!string.Equals(user, pathAccountSid, StringComparison.Ordinal)) return false;
        var expected = TokenFor(user);
        return expected is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(password));
    }

    private static bool TryParseBasic(string? header, out string user, out string password)
    {
        user = password = "";
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':');
            if (colon <= 0) return false;
            user = decoded[..colon];
            password = decoded[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
