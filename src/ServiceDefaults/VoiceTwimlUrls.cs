namespace Aventora.ServiceDefaults;

/// <summary>
/// The URLs Twilio fetches a call's TwiML from. Since release 1.33.0 they name the call's domain and channel, as status callbacks do
/// (<see cref="StatusCallbackUrls"/>), so Ingress checks the fetch's signature against that domain's cached account before anything
/// reads the database, and Voice.Worker answers only when the call is that domain's. The query is part of what Twilio signs.
/// </summary>
public static class VoiceTwimlUrls
{
    public const string Path = "/voice/twiml";
    public const string AfterParameter = "after";
    public const string AfterStream = "stream";

    public static Uri For(this IngressOptions ingress, Guid requestId, string? domainName, string channel, bool afterStream = false)
    {
        var query = $"?{StatusCallbackUrls.ChannelParameter}={Uri.EscapeDataString(channel)}";
        if (!string.IsNullOrEmpty(domainName)) query += $"&{StatusCallbackUrls.DomainParameter}={Uri.EscapeDataString(domainName)}";
        if (afterStream) query += $"&{AfterParameter}={AfterStream}";
        return ingress.Url($"{Path}/{requestId:D}{query}");
    }
}
