using System.Security.Cryptography;
using System.Text;

namespace Aventora.Billing.Usage;

/// <summary>What was billed: <c>message</c> (an sms or wmsg sent) or <c>call</c> (a phone or wvoice call that connected).</summary>
public static class UsageKinds
{
    public const string Message = "message";
    public const string Call = "call";
}

/// <summary>
/// A usage id is a name-based GUID (RFC 9562 version 5) of the act itself: the same Twilio SID and kind always give the same id,
/// so an act reported twice, by a redelivery or by two callbacks, is billed once.
/// </summary>
public static class UsageIds
{
    private static readonly Guid Namespace = new("6f1c9c9e-3a52-4a8e-9a53-6b1f0d7c2a11");

    /// <summary>The id an assistant reply's credits are held under: one per message the person wrote, so a redelivery holds nothing twice.</summary>
    public static Guid ReplyHold(string inboundMessageSid) => For(inboundMessageSid, "reply-hold");

    public static Guid For(string twilioSid, string kind)
    {
        var name = Encoding.UTF8.GetBytes($"{kind}:{twilioSid}");
        var data = Namespace.ToByteArray(bigEndian: true).Concat(name).ToArray();
        var hash = SHA1.HashData(data)[..16];
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true);
    }
}
