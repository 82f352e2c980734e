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
    public static PermanentFailureException Permanent(ApiException api) => api.Code switch
    {
        OutsideWhatsAppWindow => new(WhatsAppWindowClosed,
            "Twilio refused a free-form WhatsApp message outside the 24-hour window (63016); send a content template (content_sid and content_variables) instead."),
        Unsubscribed => new(OptedOut, "The recipient has unsubscribed from this sender (Twilio 21610); nothing is sent until they reply START."),
        WhatsAppCallPermissionMissing => new(WhatsAppCallPermissionRequired,
            "The person has not granted this WhatsApp business number permission to call them (Twilio 37000), so the call was not placed and " +
            "nothing was charged. Ask first: send them a WhatsApp call-permission request (a content template with a voice call permission " +
            "request, channel wmsg with content_sid), and place the wvoice call again once they have accepted."),
        _ => new($"twilio_{api.Code}", $"Twilio refused the request with error {api.Code}: {api.Message}"),
    };

    /// <summary>Twilio's error for free-form WhatsApp outside the customer-service window.</summary>
    public const int OutsideWhatsAppWindow = 63016;
    public const string WhatsAppWindowClosed = "whatsapp_window_closed";
    public const string OptedOut = "opted_out";

    /// <summary>Twilio's error for a WhatsApp call to someone who has not granted the business call permission: not retried.</summary>
    public const int WhatsAppCallPermissionMissing = 37000;
    public const string WhatsAppCallPermissionRequired = "whatsapp_call_permission_required";
}
