using System.Globalization;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Calls;

/// <summary>The Call resource exactly as Twilio's 2010-04-01 API spells it (the SDK deserializes this).</summary>
internal static class CallJson
{
    public static Dictionary<string, object?> Render(CallState call)
    {
        var c = call.Snapshot();
        var uri = $"/2010-04-01/Accounts/{c.AccountSid}/Calls/{c.Sid}";
        return new Dictionary<string, object?>
        {
            ["account_sid"] = c.AccountSid,
            ["annotation"] = null,
            ["answered_by"] = c.AnsweredBy,
            ["api_version"] = "2010-04-01",
            ["caller_name"] = null,
            ["date_created"] = TwilioDate.Format(c.DateCreated),
            ["date_updated"] = TwilioDate.Format(call.DateUpdated),
            ["direction"] = "outbound-api",
            ["duration"] = c.Duration?.ToString(CultureInfo.InvariantCulture),
            ["end_time"] = TwilioDate.Format(c.EndTime),
            ["forwarded_from"] = null,
            ["from"] = c.From,
            ["from_formatted"] = c.From,
            ["group_sid"] = null,
            ["parent_call_sid"] = null,
            ["phone_number_sid"] = null,
            ["price"] = null,
            ["price_unit"] = "USD",
            ["queue_time"] = "0",
            ["sid"] = c.Sid,
            ["start_time"] = TwilioDate.Format(c.StartTime),
            ["status"] = c.Status,
            ["subresource_uris"] = new Dictionary<string, string>
            {
                ["notifications"] = uri + "/Notifications.json",
                ["recordings"] = uri + "/Recordings.json",
                ["payments"] = uri + "/Payments.json",
                ["events"] = uri + "/Events.json",
                ["siprec"] = uri + "/Siprec.json",
                ["streams"] = uri + "/Streams.json",
                ["transcriptions"] = uri + "/Transcriptions.json",
                ["user_defined_message_subscriptions"] = uri + "/UserDefinedMessageSubscriptions.json",
                ["user_defined_messages"] = uri + "/UserDefinedMessages.json",
            },
            ["to"] = c.To,
            ["to_formatted"] = c.To,
            ["trunk_sid"] = null,
            ["uri"] = uri + ".json",
        };
    }

    /// <summary>A call notification as Twilio's 2010-04-01 API spells it (log 0: an error).</summary>
    public static Dictionary<string, object?> RenderNotification(CallState call, CallNotification n)
    {
        var date = TwilioDate.Format(n.At);
        var text = "Msg=" + Uri.EscapeDataString(n.Message) + (n.RequestUrl is { } url ? "&url=" + Uri.EscapeDataString(url) : "");
        return new Dictionary<string, object?>
        {
            ["account_sid"] = call.AccountSid,
            ["api_version"] = "2010-04-01",
            ["call_sid"] = call.Sid,
            ["date_created"] = date,
            ["date_updated"] = date,
            ["error_code"] = n.ErrorCode.ToString(CultureInfo.InvariantCulture),
            ["log"] = "0",
            ["message_date"] = date,
            ["message_text"] = text,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{n.ErrorCode}",
            ["request_method"] = "POST",
            ["request_url"] = n.RequestUrl,
            ["sid"] = n.Sid,
            ["uri"] = $"/2010-04-01/Accounts/{call.AccountSid}/Calls/{call.Sid}/Notifications/{n.Sid}.json",
        };
    }
}
