using System.Net.Mail;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>
/// A mailbox's optional list of who may make its domain send: addresses (<c>jane@example.com</c>) or whole mail domains
/// (<c>@example.com</c>). Empty means anyone who can reach the mailbox. It checks the From address, which a sender can forge:
/// it keeps out strangers and mistakes, and the mail server's own SPF/DKIM checks are what make it hard to forge.
/// </summary>
public static class AllowedSenders
{
    public static bool IsValidEntry(string entry) =>
        entry.Length is > 1 and <= 320 && (entry.StartsWith('@')
            ? !entry[1..].Contains('@') && MailAddress.TryCreate("x" + entry, out _)
            : MailAddress.TryCreate(entry, out var address) && address.Address == entry);

    /// <summary>Does <paramref name="sender"/> (the From address) match <paramref name="allowed"/>? Always true for an empty list.</summary>
    public static bool Allows(IReadOnlyCollection<string> allowed, string? sender)
    {
        if (allowed.Count == 0) return true;
        if (string.IsNullOrWhiteSpace(sender)) return false;
        var address = sender.Trim().ToLowerInvariant();
        var at = address.LastIndexOf('@');
        return allowed.Any(a => a == address || (a.StartsWith('@') && at >= 0 && address[at..] == a));
    }
}
