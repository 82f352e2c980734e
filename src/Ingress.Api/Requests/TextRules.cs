using System.Globalization;

namespace Aventora.Ingress.Api.Requests;

/// <summary>
/// Which characters a text field may hold. Control characters (Unicode category Cc), U+FFFE, U+FFFF and unpaired surrogates
/// are refused: they have no business in a name or an instruction, and XML (TwiML) cannot carry them. Free text such as an
/// instruction may hold tab and line breaks; one-line fields may not.
/// </summary>
public static class TextRules
{
    /// <summary>The first forbidden character's description (e.g. "U+0001 at position 12"), or null when the text is clean.</summary>
    public static string? FindForbidden(string? text, bool allowLineBreaks)
    {
        if (text is null) return null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            var forbidden = char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF'
                || (char.GetUnicodeCategory(c) == UnicodeCategory.Control && !(allowLineBreaks && c is '\t' or '\n' or '\r'));
            if (forbidden) return $"U+{(int)c:X4} at position {i + 1}";
        }
        return null;
    }

    /// <summary>The sentence for a field holding a forbidden character, naming the field and where the character is.</summary>
    public static string Refusal(string field, string found, bool allowLineBreaks) =>
        $"{field} holds a control character ({found}); remove it" + (allowLineBreaks ? " (tab and line breaks are allowed)." : ".");
}
