namespace Aventora.ServiceDefaults.Text;

/// <summary>The TwiML documents Aventora answers Twilio with, built in one place: Ingress's fallback, the call turns, the voicemail.</summary>
public static class TwimlDocument
{
    /// <summary>A whole document around <paramref name="verbs"/> (already escaped).</summary>
    public static string Of(string verbs) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{verbs}</Response>";

    /// <summary>Says <paramref name="text"/> (escaped here) and hangs up.</summary>
    public static string SayAndHangUp(string text) => Of($"<Say>{XmlText.Escape(text)}</Say><Hangup/>");
}
