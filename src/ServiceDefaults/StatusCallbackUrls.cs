namespace Aventora.ServiceDefaults;

/// <summary>
/// The <c>StatusCallback</c> URLs the workers give Twilio. They carry the request id, domain and channel, so Ingress checks a
/// callback's signature against the cached account of that domain and channel and the workers apply it by request id: no
/// database lookup by SID on the webhook's path, and a callback that beats the SID's recording still lands. The query is part
/// of what Twilio signs, so none of it can be altered without the account's auth token.
/// </summary>
public static class StatusCallbackUrls
{
    public const string MessagePath = "/twilio/status/message";
    public const string CallPath = "/twilio/status/call";
    /// <summary>Answering machine detection results of phone calls (AsyncAmdStatusCallback), named and checked like status callbacks.</summary>
    public const string MachineDetectionPath = "/twilio/amd";
    public const string RequestIdParameter = "request_id";
    public const string DomainParameter = "domain";
    public const string ChannelParameter = "channel";

    /// <summary>For a request's message or call; <paramref name="requestId"/> null for an assistant's reply, which is not a request.</summary>
    public static Uri For(this IngressOptions ingress, string path, Guid? requestId, string? domainName, string channel)
    {
        var query = $"?{ChannelParameter}={Uri.EscapeDataString(channel)}";
        if (!string.IsNullOrEmpty(domainName)) query += $"&{DomainParameter}={Uri.EscapeDataString(domainName)}";
        if (requestId is { } id) query += $"&{RequestIdParameter}={id:D}";
        return ingress.Url(path + query);
    }
}
