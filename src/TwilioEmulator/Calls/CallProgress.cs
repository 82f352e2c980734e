using System.Globalization;
using Aventora.TwilioEmulator.Accounts;
using Aventora.TwilioEmulator.Callbacks;
using Aventora.TwilioEmulator.People;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Calls;

/// <summary>
/// Plays a call's life after creation: initiated → ringing → (scripted busy/no-answer/failed) or in-progress,
/// the TwiML conversation, then completed. Status callbacks go out only for the requested events, except the
/// final one, which Twilio always sends when a StatusCallback is set. A call whose TwiML failed (Twilio speaks "an application
/// error has occurred" and hangs up) ends completed, and its final callback carries the error's ErrorCode and ErrorMessage.
/// </summary>
internal sealed class CallProgress(
    BackgroundJobs jobs, EmulatorTiming timing, PeopleScripts people, AccountStore accounts,
    WebhookSender webhooks, TwimlWalker walker, TimeProvider clock)
{
    public void Start(CallState call) => jobs.Start($"call {call.Sid}", ct => RunAsync(call, ct));

    private async Task RunAsync(CallState call, CancellationToken ct)
    {
        var token = accounts.TokenFor(call.AccountSid) ?? "";

        await timing.StepAsync(ct);
        await NotifyAsync(call, token, "initiated", "initiated", ct);

        await timing.StepAsync(ct);
        call.Move("ringing", clock.GetUtcNow());
        await NotifyAsync(call, token, "ringing", "ringing", ct);

        await timing.StepAsync(ct);
        if (people.TakeCallOutcome(call.To) is { } outcome)
        {
            call.End(outcome.Status, clock.GetUtcNow(), 0, outcome.ErrorCode, outcome.ErrorMessage);
            await NotifyAsync(call, token, "completed", outcome.Status, ct, duration: 0, errorCode: outcome.ErrorCode,
                errorMessage: outcome.ErrorMessage);
            return;
        }

        if (call.TakeUpdate() is { Status: not null } early)
        {
            // The application ended the call before it was answered.
            call.End("canceled", clock.GetUtcNow(), 0);
            await NotifyAsync(call, token, "completed", "canceled", ct, duration: 0);
            return;
        }

        call.Move("in-progress", clock.GetUtcNow());
        await NotifyAsync(call, token, "answered", "in-progress", ct);

        var seconds = await WalkAsync(call, token, ct);

        var error = call.ApplicationError;
        call.End("completed", clock.GetUtcNow(), seconds, error?.Code, error?.Message);
        await NotifyAsync(call, token, "completed", "completed", ct, duration: seconds, errorCode: error?.Code, errorMessage: error?.Message);
    }

    /// <summary>The answered call's TwiML, with answering machine detection (<see cref="AnsweringMachineDetection"/>) when asked for.</summary>
    private async Task<int> WalkAsync(CallState call, string token, CancellationToken ct)
    {
        if (call.MachineDetection is not { } mode) return await walker.WalkAsync(call, token, ct);

        var answeredBy = AnsweringMachineDetection.Report(mode, people.TakeAnsweredBy(call.To));
        call.Detected(answeredBy);
        call.Record("amd", answeredBy, null, clock.GetUtcNow());
        if (!call.AsyncAmd)
            return await walker.WalkAsync(call, token, ct, firstRequestExtra:
                [new("AnsweredBy", answeredBy), new("MachineDetectionDuration", AnsweringMachineDetection.DurationMs(answeredBy))]);

        await AnsweringMachineDetection.NotifyAsync(webhooks, call, token, ct);
        // A person talks back at once; a machine plays its greeting, and what it records is what the application sends now.
        var update = answeredBy == "human" ? null : await call.WaitForUpdateAsync(timing.AmdUpdateWait, ct);
        return await walker.WalkAsync(call, token, ct, update);
    }

    private async Task NotifyAsync(
        CallState call, string token, string @event, string status, CancellationToken ct,
        int? duration = null, int? errorCode = null, string? errorMessage = null)
    {
        if (call.StatusCallback is null) return;
        // With no events requested Twilio only reports the end of the call.
        var requested = call.StatusCallbackEvents.Count == 0 ? ["completed"] : call.StatusCallbackEvents;
        if (!requested.Contains(@event)) return;

        var form = CallParameters.For(call, status);
        form.Add(new("CallbackSource", "call-progress-events"));
        form.Add(new("Timestamp", TwilioDate.Format(clock.GetUtcNow())));
        form.Add(new("SequenceNumber", call.NextSequenceNumber().ToString(CultureInfo.InvariantCulture)));
        if (duration is { } d)
        {
            form.Add(new("CallDuration", d.ToString(CultureInfo.InvariantCulture)));
            form.Add(new("Duration", Math.Max(1, (d + 59) / 60).ToString(CultureInfo.InvariantCulture)));
        }
        if (errorCode is { } code) form.Add(new("ErrorCode", code.ToString(CultureInfo.InvariantCulture)));
        if (errorMessage is not null) form.Add(new("ErrorMessage", errorMessage));
        await webhooks.SendAsync("call-status", call.StatusCallback, call.StatusCallbackMethod, token, form, ct);
    }
}

/// <summary>The parameters Twilio sends with every voice webhook of a call.</summary>
internal static class CallParameters
{
    public static List<KeyValuePair<string, string>> For(CallState call, string status) =>
    [
        new("CallSid", call.Sid),
        new("AccountSid", call.AccountSid),
        new("From", call.From),
        new("To", call.To),
        new("Called", call.To),
        new("Caller", call.From),
        new("CallStatus", status),
        new("Direction", "outbound-api"),
        new("ApiVersion", "2010-04-01"),
    ];
}
