using PhoneNumbers;

namespace Aventora.Ingress.Api.Requests;

/// <summary>A phone number checked once at the edge and kept in E.164 without any prefix.</summary>
public sealed record PhoneNumber
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    private PhoneNumber(string e164) => E164 = e164;

    public string E164 { get; }

    public override string ToString() => E164;

    /// <summary>Accepts international form (<c>+</c> and country code; spaces, dashes, dots and brackets allowed; a <c>whatsapp:</c> prefix is dropped).</summary>
    public static bool TryParse(string? text, out PhoneNumber? number, out string error)
    {
        number = null;
        var raw = (text ?? "").Trim();
        if (raw.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase)) raw = raw["whatsapp:".Length..].Trim();
        if (raw.Length == 0) { error = "is required"; return false; }
        if (!raw.StartsWith('+')) { error = $"'{text}' must be in international E.164 form, starting with + and the country code (e.g. +14155550123)"; return false; }
        try
        {
            var parsed = Util.Parse(raw, null);
            if (!Util.IsValidNumber(parsed)) { error = $"'{text}' is not a valid phone number"; return false; }
            number = new PhoneNumber(Util.Format(parsed, PhoneNumberFormat.E164));
            error = "";
            return true;
        }
        catch (NumberParseException)
        {
            error = $"'{text}' is not a phone number";
            return false;
        }
    }
}
