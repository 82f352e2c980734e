using PhoneNumbers;

namespace Aventora.Ingress.Api.Requests;

/// <summary>A phone number checked once at the edge and kept in E.164 without any prefix.</summary>
public sealed record PhoneNumber
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    private PhoneNumber(string e164) => E164 = e164;

    public string E164 { get; }

    public override string ToString() => E164;

    /// <summary>
    /// Accepts international form (<c>+</c> and country code; spaces, dashes, dots and brackets allowed; a <c>whatsapp:</c> prefix
    /// is dropped). Letters (vanity numbers such as <c>+1415555CALL</c>) and extensions are refused rather than rewritten: the
    /// caller sees the number as libphonenumber understood it and writes that, so nobody is dialled by a guess.
    /// </summary>
    public static bool TryParse(string? text, out PhoneNumber? number, out string error)
    {
        number = null;
        var raw = (text ?? "").Trim();
        if (raw.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase)) raw = raw["whatsapp:".Length..].Trim();
        if (raw.Length == 0) { error = "is required"; return false; }
        if (raw.Length > 64) { error = "is longer than 64 characters"; return false; }
        if (!raw.StartsWith('+')) { error = $"'{text}' must be in international E.164 form, starting with + and the country code (e.g. +14155550123)"; return false; }
        try
        {
            var parsed = Util.Parse(raw, null);
            var understood = Util.Format(WithoutExtension(parsed), PhoneNumberFormat.E164);
            if (parsed.HasExtension)
            {
                error = $"'{text}' has an extension ({parsed.Extension}), which messages and calls cannot dial; it reads as {understood}: send that without the extension if it is the number you mean";
                return false;
            }
            if (raw.Any(c => !IsNumberCharacter(c)))
            {
                error = $"'{text}' is not a plain number: it holds letters or other characters and reads as {understood}; write the digits if that is the number you mean";
                return false;
            }
            if (!Util.IsValidNumber(parsed)) { error = $"'{text}' is not a valid phone number"; return false; }
            number = new PhoneNumber(understood);
            error = "";
            return true;
        }
        catch (NumberParseException)
        {
            error = $"'{text}' is not a phone number";
            return false;
        }
    }

    private static bool IsNumberCharacter(char c) => c is (>= '0' and <= '9') or '+' or ' ' or '-' or '.' or '(' or ')';

    private static PhoneNumbers.PhoneNumber WithoutExtension(PhoneNumbers.PhoneNumber parsed) =>
        parsed.HasExtension ? parsed.ToBuilder().ClearExtension().Build() : parsed;
}
