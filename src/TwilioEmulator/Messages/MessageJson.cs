using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Messages;

/// <summary>The Message resource exactly as Twilio's 2010-04-01 API spells it (the SDK deserializes this).</summary>
internal static class MessageJson
{
    public static Dictionary<string, object?> Render(MessageState m)
    {
        var s = m.Snapshot();
        var uri = $"/2010-04-01/Accounts/{m.AccountSid}/Messages/{m.Sid}";
        return new Dictionary<string, object?>
        {
            ["account_sid"] = m.AccountSid,
            ["api_version"] = "2010-04-01",
            ["body"] = m.Body ?? "",
            ["date_created"] = TwilioDate.Format(m.DateCreated),
            ["date_sent"] = TwilioDate.Format(s.DateSent),
            ["date_updated"] = TwilioDate.Format(s.DateUpdated),
            ["direction"] = "outbound-api",
            ["error_code"] = s.ErrorCode,
            ["error_message"] = s.ErrorMessage,
            ["from"] = m.From,
            ["messaging_service_sid"] = m.MessagingServiceSid,
            ["num_media"] = m.MediaUrls.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["num_segments"] = m.NumSegments.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["sid"] = m.Sid,
            ["status"] = s.Status,
            ["subresource_uris"] = new Dictionary<string, string>
            {
                ["media"] = uri + "/Media.json",
                ["feedback"] = uri + "/Feedback.json",
            },
            ["to"] = m.To,
            ["uri"] = uri + ".json",
        };
    }
}
