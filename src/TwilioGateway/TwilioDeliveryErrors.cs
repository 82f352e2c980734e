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
        ["11200"] = "Twilio could not fetch the call's TwiML from Ingress.Api (HTTP retrieval failure); the call was not billed",
        ["12100"] = "Twilio could not parse the call's TwiML (document parse failure); the call was not billed",
        [TwilioFailure.Unsubscribed.ToString()] = "the recipient has unsubscribed (replied STOP) from this sender's messages",
    };

    /// <summary>
    /// Is <paramref name="twilioCode"/> an application error of the call's TwiML (11xxx fetching it, 12xxx reading it)? Twilio
    /// then speaks "an application error has occurred" and hangs up: the call reports completed, but nothing the caller wanted
    /// was said, so it is neither connected nor billed.
    /// </summary>
    public static bool IsApplicationError(string? twilioCode) =>
        twilioCode is { Length: 5 } && (twilioCode.StartsWith("11", StringComparison.Ordinal) || twilioCode.StartsWith("12", StringComparison.Ordinal))
        && twilioCode.All(char.IsAsciiDigit);

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
