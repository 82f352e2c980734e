using System.Security;
using System.Text;

namespace Aventora.ServiceDefaults.Text;

/// <summary>
/// Text that goes into an XML document (TwiML): characters XML 1.0 forbids are dropped before escaping, because one of them
/// makes Twilio refuse the whole document (error 12100) and the call ends with "an application error has occurred".
/// </summary>
public static class XmlText
{
    /// <summary><paramref name="text"/> without XML-forbidden characters, escaped for element content or an attribute value.</summary>
    public static string Escape(string? text) => SecurityElement.Escape(StripForbidden(text ?? "")) ?? "";

    /// <summary>
    /// Drops what XML 1.0 does not allow: control characters other than tab, line feed and carriage return, U+FFFE and U+FFFF,
    /// and unpaired surrogates.
    /// </summary>
    public static string StripForbidden(string text)
    {
        if (!HasForbidden(text)) return text;
        var kept = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                kept.Append(c).Append(text[++i]);
                continue;
            }
            if (IsAllowed(c)) kept.Append(c);
        }
        return kept.ToString();
    }

    private static bool HasForbidden(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (!IsAllowed(text[i])) return true;
        }
        return false;
    }

    private static bool IsAllowed(char c) =>
        c is '\t' or '\n' or '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
}
