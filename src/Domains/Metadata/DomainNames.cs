using System.Text.RegularExpressions;

namespace Aventora.Domains.Metadata;

/// <summary>
/// The one spelling of a domain's name: trimmed and lower-case, letters, digits, '.', '_' and '-', at most 200. Every lookup and
/// every cache key goes through <see cref="Normalize"/>, so "ACME" and "acme" are one tenant, and a name that cannot be a domain
/// never reaches the metadata source.
/// </summary>
public static partial class DomainNames
{
    public const string Rule = "lower-case letters, digits, '.', '_' and '-' (at most 200)";

    /// <summary>The normalised name, or null when <paramref name="name"/> cannot name a domain.</summary>
    public static string? Normalize(string? name)
    {
        var normalised = name?.Trim().ToLowerInvariant();
        return normalised is not null && Valid().IsMatch(normalised) ? normalised : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,199}$")] private static partial Regex Valid();
}
