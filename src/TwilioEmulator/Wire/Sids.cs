namespace Aventora.TwilioEmulator.Wire;

/// <summary>Twilio SIDs are a two-letter type prefix plus 32 lowercase hex digits.</summary>
internal static class Sids
{
    public static string NewMessage() => New("SM");
    public static string NewCall() => New("CA");
    public static string NewNotification() => New("NO");

    private static string New(string prefix) => prefix + Guid.NewGuid().ToString("N");
}
