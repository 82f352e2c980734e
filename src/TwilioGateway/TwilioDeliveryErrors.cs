namespace Aventora.TwilioGateway;

/// <summary>
/// Turns the error code of a failed or undelivered message (or a failed call) into a reason a person can act on.
/// The recorded error code is <c>twilio_{code}</c>, the same shape as a refused REST request's.
/// </summary>
public static class TwilioDeliveryErrors
{
    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["30003"] = "unreachable destination handset: the phone is off, out of coverage or cannot receive messages",
        ["30004"] = "message blocked by the recipient or their carrier",
        ["30005"] = "unknown destination handset: the number does not exist or is no longer in service",
        ["30006"] = "landline or unreachable carrier: the number cannot receive messages",
        ["30007"] = "carrier filtered the message as spam or against its rules",
        ["30008"] = "unknown delivery error reported by the carrier",
        ["63016"] = "free-form WhatsApp message outside the 24-hour window: send a content template",
        [TwilioFailure.Unsubscribed.ToString()] = "the recipient has unsubscribed (replied STOP) from this sender's messages",
    };

    /// <summary>The recorded error code for Twilio's <paramref name="twilioCode"/>.</summary>
    public static string Code(string twilioCode) => $"twilio_{twilioCode}";

    /// <summary>A readable reason for a final <paramref name="status"/> with Twilio's <paramref name="twilioCode"/> (which may be absent).</summary>
    public static string Describe(string status, string? twilioCode, string? twilioMessage = null)
    {
        if (twilioCode is not null && Reasons.TryGetValue(twilioCode, out var reason))
            return $"Twilio reported the request {status} with error {twilioCode}: {reason}.";
        if (twilioCode is not null)
            return $"Twilio reported the request {status} with error {twilioCode}" + (string.IsNullOrWhiteSpace(twilioMessage) ? "." : $": {twilioMessage}");
        return status switch
        {
            "busy" => "The line was busy: the call was not answered.",
            "no-answer" => "Nobody answered the call.",
            "canceled" => "The call was canceled before it was answered.",
            _ => $"Twilio reported the request {status} without an error code" + (string.IsNullOrWhiteSpace(twilioMessage) ? "." : $": {twilioMessage}"),
        };
    }
}
