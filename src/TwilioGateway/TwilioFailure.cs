using Aventora.ServiceDefaults.Messaging;
using Twilio.Exceptions;

namespace Aventora.TwilioGateway;

/// <summary>Sorts what went wrong talking to Twilio into "retry later" and "this request cannot be sent".</summary>
public static class TwilioFailure
{
    /// <summary>Twilio error codes that mean the recipient has opted out of the sender's messages.</summary>
    public const int Unsubscribed = 21610;

    /// <summary>
    /// Throttling (429) and server errors (5xx) and network failures are transient: the caller rethrows and the message is retried
    /// with backoff. Any other Twilio answer is permanent for this request.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        ApiException api => api.Status == 429 || api.Status >= 500 || api.Code == 20429,
        ApiConnectionException or HttpRequestException or TaskCanceledException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The permanent failure to record: Twilio's code and message, which never carry a secret.</summary>
    public static PermanentFailureException Permanent(ApiException api) =>
        new($"twilio_{api.Code}", $"Twilio refused the request with error {api.Code}: {api.Message}");
}
