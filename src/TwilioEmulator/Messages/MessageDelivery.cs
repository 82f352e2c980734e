using System.Globalization;
using Aventora.TwilioEmulator.Accounts;
using Aventora.TwilioEmulator.Callbacks;
using Aventora.TwilioEmulator.People;

namespace Aventora.TwilioEmulator.Messages;

/// <summary>
/// Plays a message's life after creation: queued → sent → delivered (→ read on WhatsApp), or the failure
/// scripted for its To number, posting a signed status callback for each step like Twilio.
/// </summary>
internal sealed class MessageDelivery(
    BackgroundJobs jobs, EmulatorTiming timing, PeopleScripts people, AccountStore accounts,
    WebhookSender webhooks, TimeProvider clock)
{
    public void Start(MessageState message) =>
        jobs.Start($"delivery of {message.Sid}", ct => RunAsync(message, ct));

    private async Task RunAsync(MessageState message, CancellationToken ct)
    {
        var outcome = people.TakeDeliveryOutcome(message.To);
        foreach (var step in Steps(message, outcome))
        {
            await timing.StepAsync(ct);
            message.Move(step.Status, clock.GetUtcNow(), step.ErrorCode, step.ErrorMessage);
            await NotifyAsync(message, step, ct);
        }
    }

    private sealed record Step(string Status, int? ErrorCode = null, string? ErrorMessage = null);

    private static IEnumerable<Step> Steps(MessageState message, Inspection.DeliveryOutcome? outcome)
    {
        if (outcome is not null)
        {
            // Twilio fails a message before sending it ("failed") or after the carrier took it ("undelivered").
            if (outcome.Status != "failed") yield return new Step("sent");
            yield return new Step(outcome.Status, outcome.ErrorCode ?? 30003,
                outcome.ErrorMessage ?? DefaultErrorMessage(outcome.ErrorCode ?? 30003));
            yield break;
        }
        yield return new Step("sent");
        yield return new Step("delivered");
        if (message.IsWhatsApp) yield return new Step("read");
    }

    private async Task NotifyAsync(MessageState message, Step step, CancellationToken ct)
    {
        if (message.StatusCallback is null || accounts.TokenFor(message.AccountSid) is not { } token) return;
        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", message.Sid),
            new("SmsSid", message.Sid),
            new("SmsStatus", step.Status),
            new("MessageStatus", step.Status),
            new("AccountSid", message.AccountSid),
            new("From", message.From ?? ""),
            new("To", message.To),
            new("ApiVersion", "2010-04-01"),
        };
        if (message.MessagingServiceSid is { } service) form.Add(new("MessagingServiceSid", service));
        if (step.ErrorCode is { } code) form.Add(new("ErrorCode", code.ToString(CultureInfo.InvariantCulture)));
        if (message.IsWhatsApp) form.Add(new("ChannelPrefix", "whatsapp"));
        await webhooks.SendAsync("message-status", message.StatusCallback, "POST", token, form, ct);
    }

    private static string DefaultErrorMessage(int code) => code switch
    {
        30003 => "Unreachable destination handset",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        63016 => "Failed to send freeform message because you are outside the allowed window.",
        _ => "Delivery failed",
    };
}
