using Aventora.Contracts;
using PhoneNumbers;

namespace Aventora.Domains.Campaigns;

/// <summary>The kind of a sender number, which sets its default pace (Twilio's own limits per sender).</summary>
public enum SenderKind { LongCode, TollFree, ShortCode, WhatsApp }

public static class SenderKinds
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>WhatsApp for the WhatsApp channels; a short code (5–6 digits, no +); toll-free as libphonenumber types it; else a long code.</summary>
    public static SenderKind Of(string channel, string senderNumber)
    {
        if (channel is Channels.WhatsAppMessage or Channels.WhatsAppVoice) return SenderKind.WhatsApp;
        var digits = senderNumber.TrimStart('+');
        if (!senderNumber.StartsWith('+') && digits.Length is >= 3 and <= 8 && digits.All(char.IsAsciiDigit)) return SenderKind.ShortCode;
        try
        {
            return Util.GetNumberType(Util.Parse(senderNumber, null)) == PhoneNumberType.TOLL_FREE ? SenderKind.TollFree : SenderKind.LongCode;
        }
        catch (NumberParseException)
        {
            return SenderKind.LongCode;
        }
    }
}
