using Aventora.Billing.Usage;
using Aventora.Domains.Credentials;
using Aventora.Outbound.Campaigns;
using Aventora.Outbound.Reconciliation;
using Aventora.Persistence.CallLogs;
using System.Diagnostics;
using Aventora.ServiceDefaults.Metrics;
using Aventora.TwilioGateway;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;
using Twilio.Exceptions;

namespace Aventora.Outbound.Attempts;

/// <summary>The request a send attempt is for, and the sender slot it already holds when it was parked for its sender's pace.</summary>
public sealed record OutboundTarget(Guid RequestId, string? DomainName, string Channel, string PhoneNumber, DateTimeOffset? SenderSlotAt = null);

/// <summary>What the consumer lets an attempt do with its message besides sending it.</summary>
/// <param name="StillWanted">Asked again after a wait for the sender's slot: false when the request no longer goes (its batch was
/// paused or cancelled meanwhile; it has then been held or ended).</param>
/// <param name="ParkAsync">Parks the message in the schedule, carrying its sender slot (first argument), to be released at the second.</param>
public sealed record AttemptControls(
    Func<CancellationToken, Task<bool>> StillWanted, Func<DateTimeOffset, DateTimeOffset, CancellationToken, Task> ParkAsync);

/// <summary>
/// The one place that says how a request reaches Twilio at most once, for messages and calls alike:
/// <list type="number">
/// <item>claim the request (a redelivered command finds it taken and only repeats the idempotent bookkeeping);</item>
/// <item>prepare; anything failing here gives the claim back, since Twilio was not called;</item>
/// <item>call Twilio once. A refusal ends the request with Twilio's reason; a 429 means nothing was created, so the claim is given
/// back and the command retried; any other failure (timeout, dropped connection, 5xx) may have created it: the request becomes
/// <c>unconfirmed</c> and the reconciler asks Twilio. Nothing is ever resent on a guess;</item>
/// <item>record the SID with retries of its own, never by re-running the consumer; a SID already recorded for another request is
/// a conflict, recorded on this one; if the database stays away, the reconciler finds the SID later.</item>
/// </list>
/// </summary>
public sealed class OutboundAttempt(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, RequestBilling billing, SenderPacing pacing,
    IOptions<ReconcilerOptions> options, AventoraMetrics metrics, ILogger<OutboundAttempt> logger)
{
    public const string SidConflict = "twilio_sid_conflict";
    public const string OutcomeUnknown = "outcome_unknown";

    public async Task RunAsync(OutboundTarget target, OutboundSend send, AttemptControls controls, CancellationToken cancellationToken)
    {
        var config = await twilioConfigs.GetTwilioConfigAsync(target.DomainName, target.Channel, cancellationToken);
        if (config.Config is not { } account)
        {
            await EndAsync(target, new Refusal(CallLogStatus.Failed, config.FailureCode!, config.FailureReason!), cancellationToken);
            return;
        }

        // The sender's pace holds across every worker copy: its next slot is shared in PostgreSQL. A slot further off than a consumer
        // may wait parks the message (the consumer moves on to other senders' messages); a near one is waited for here, before the
        // claim, so that a batch paused or cancelled meanwhile still stops this request (StillWanted).
        var slot = await pacing.TakeSlotAsync(target.DomainName, target.Channel, account.FromNumber, target.SenderSlotAt, cancellationToken);
        if (pacing.ParkUntil(slot) is { } releaseAt)
        {
            await controls.ParkAsync(slot!.SlotAt, releaseAt, cancellationToken);
            return;
        }
        await pacing.WaitAsync(slot, cancellationToken);
        if (slot?.Waited > TimeSpan.Zero && !await controls.StillWanted(cancellationToken))
        {
            return;
        }

        if (!await callLogs.TryClaimAsync(target.RequestId, account.AccountSid, account.FromNumber, cancellationToken))
        {
            await RedeliveredAsync(target, send, cancellationToken);
            return;
        }

        Refusal? refusal;
        try
        {
            refusal = await send.PrepareAsync(account, cancellationToken);
        }
        catch
        {
            await callLogs.ReleaseClaimAsync(target.RequestId, CancellationToken.None);
            throw;
        }
        if (refusal is not null)
        {
            await EndAsync(target, refusal, cancellationToken);
            return;
        }

        bool onTime;
        try
        {
            onTime = await pacing.EnsureOnTimeAsync(slot, cancellationToken); // the create call follows its slot at once
        }
        catch
        {
            await callLogs.ReleaseClaimAsync(target.RequestId, CancellationToken.None);
            throw;
        }
        if (!onTime)
        {
            // The slot slipped by and the sender's next one is far off: give the claim back (Twilio was not called) and park.
            await callLogs.ReleaseClaimAsync(target.RequestId, CancellationToken.None);
            await controls.ParkAsync(slot!.SlotAt, pacing.ParkUntil(slot)!.Value, cancellationToken);
            return;
        }

        TwilioCreated created;
        var started = Stopwatch.GetTimestamp();
        try
        {
            created = await send.CreateAsync(account, cancellationToken);
            metrics.TwilioRequest(target.Channel, "created", Stopwatch.GetElapsedTime(started));
        }
        catch (ApiException api) when (IsThrottled(api))
        {
            metrics.TwilioRequest(target.Channel, "throttled", Stopwatch.GetElapsedTime(started));
            metrics.OutboundAttempt(target.Channel, "throttled", $"twilio_{api.Code}");
            // Twilio throttled the create: nothing was created, so the retry may send; the sender slows down for everyone.
            await callLogs.ReleaseClaimAsync(target.RequestId, CancellationToken.None);
            await pacing.ThrottledAsync(account.FromNumber, CancellationToken.None);
            logger.LogWarning("Twilio throttled the create (429); it will be retried");
            throw;
        }
        catch (ApiException api) when (!TwilioFailure.IsTransient(api))
        {
            metrics.TwilioRequest(target.Channel, "refused", Stopwatch.GetElapsedTime(started));
            await EndAsync(target, await send.RefusedAsync(api, cancellationToken), cancellationToken);
            return;
        }
        catch (Exception e)
        {
            // A timeout, a dropped connection or a 5xx: Twilio may have created it. Never resend; the reconciler asks Twilio.
            metrics.TwilioRequest(target.Channel, "unknown", Stopwatch.GetElapsedTime(started));
            metrics.OutboundAttempt(target.Channel, "unconfirmed", OutcomeUnknown);
            var reason = $"Twilio's answer to the create call was lost ({Describe(e)}); Aventora is asking Twilio whether it was created and will not send it again.";
            await WithRetriesAsync(ct => callLogs.MarkUnconfirmedAsync(target.RequestId, reason, options.Value.UnconfirmedAfter, ct), CancellationToken.None);
            logger.LogWarning("Outcome of the {Channel} create unknown ({Reason}); left to the reconciler", target.Channel, Describe(e));
            return;
        }

        try
        {
            await WithRetriesAsync(ct => callLogs.RecordTwilioAcceptedAsync(target.RequestId, created.Sid, created.Status, ct), CancellationToken.None);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await EndAsync(target, new Refusal(CallLogStatus.Failed, SidConflict,
                $"Twilio answered with SID {created.Sid}, which is already recorded for another request; this request is not sent again."), cancellationToken);
            return;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogError("Twilio accepted {Channel} {TwilioSid} but it could not be recorded ({Reason}); the reconciler will record it",
                target.Channel, created.Sid, e.GetType().Name);
            return;
        }
        metrics.OutboundAttempt(target.Channel, "sent", null);
        logger.LogInformation("Twilio accepted {Channel} {TwilioSid} from account {AccountSid}", target.Channel, created.Sid, account.AccountSid);
        await send.AcceptedAsync(created.Sid, redelivered: false, cancellationToken);
    }

    /// <summary>Ends the request without (another) create call and gives back its held credits.</summary>
    public async Task EndAsync(OutboundTarget target, Refusal refusal, CancellationToken cancellationToken)
    {
        await callLogs.RecordFailureAsync(target.RequestId, refusal.Status, refusal.Code, refusal.Reason, cancellationToken);
        await billing.ReleaseAsync(target.RequestId, cancellationToken);
        metrics.OutboundAttempt(target.Channel, refusal.Status, refusal.Code);
        logger.LogWarning("{Channel} request ended {Status}: {Reason}", target.Channel, refusal.Status, refusal.Reason);
    }

    // A redelivered command: the first delivery claimed it. If Twilio's SID is recorded, repeat the idempotent bookkeeping (billing
    // may have been lost with the first delivery); otherwise the first attempt is still running or left to the reconciler.
    private async Task RedeliveredAsync(OutboundTarget target, OutboundSend send, CancellationToken cancellationToken)
    {
        var log = await callLogs.FindAsync(target.RequestId, cancellationToken);
        if (log?.TwilioSid is { } sid && log.ErrorCode != SidConflict)
        {
            await send.AcceptedAsync(sid, redelivered: true, cancellationToken);
            logger.LogInformation("{Channel} request already accepted by Twilio as {TwilioSid}; duplicate command ignored", target.Channel, sid);
            return;
        }
        logger.LogInformation("{Channel} request already claimed (status {Status}); duplicate command ignored", target.Channel, log?.Status);
    }

    private static bool IsThrottled(ApiException api) => api.Status == 429 || api.Code == 20429;

    private static string Describe(Exception e) => e switch
    {
        ApiException api => $"Twilio answered {api.Status}",
        TaskCanceledException or TimeoutException => "timed out",
        _ => e.GetType().Name,
    };

    private readonly ResiliencePipeline _recordPipeline = RecordPipeline(options.Value.RecordRetryFor);

    private Task WithRetriesAsync(Func<CancellationToken, Task> write, CancellationToken cancellationToken) =>
        _recordPipeline.ExecuteAsync(async ct => await write(ct), cancellationToken).AsTask();

    // Recording Twilio's answer retries on its own, so the consumer is never re-run (which could resend) for a database hiccup.
    private static ResiliencePipeline RecordPipeline(TimeSpan retryFor) => retryFor <= TimeSpan.Zero ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e is not PostgresException pg || pg.IsTransient).Handle<TimeoutException>(),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(5),
            MaxRetryAttempts = Math.Max(1, (int)(retryFor.TotalSeconds / 2.5)),
        })
        .Build();
}
