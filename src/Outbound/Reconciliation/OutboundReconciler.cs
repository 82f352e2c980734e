using Aventora.Billing.Credits;
using Aventora.Billing.Usage;
using Aventora.Domains.Credentials;
using Aventora.Outbound.Attempts;
using Aventora.Persistence.CallLogs;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Aventora.Outbound.Reconciliation;

/// <summary>
/// Settles what faults leave open, in each worker for its own channels, every <see cref="ReconcilerOptions.Interval"/>:
/// <list type="number">
/// <item><b>Unknown outcomes.</b> A create whose answer was lost (<c>unconfirmed</c>) or a claim left <c>sending</c> by a worker
/// that died: Twilio is asked for a resource to that number from that sender since the attempt began. Found: its SID and status are
/// recorded (a SID already another request's is skipped). Not found by <see cref="ReconcilerOptions.GiveUpAfter"/>: the request
/// fails <c>outcome_unknown</c> and its credits go back. Nothing is ever resent.</item>
/// <item><b>Quiet requests.</b> No final status and no news for <see cref="ReconcilerOptions.QuietAfter"/>: the status is fetched
/// from Twilio and reported like a callback, so a lost callback heals itself.</item>
/// <item><b>Held credits.</b> A settled request still holding credits is billed (it was sent or connected) or released.</item>
/// </list>
/// Rows are leased with <c>FOR UPDATE SKIP LOCKED</c>, and billing and releasing are idempotent, so any number of instances may run.
/// </summary>
public sealed class OutboundReconciler(
    IServiceScopeFactory scopes, ITwilioLookup lookup, IOptions<ReconcilerOptions> options, ILogger<OutboundReconciler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return;
        using var timer = new PeriodicTimer(settings.Interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or HttpRequestException or MassTransitException)
            {
                logger.LogWarning("Reconciler pass stopped early ({Reason}); the next pass goes on", e.GetType().Name);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass of all three sweeps. Public so tests can run two at once.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var pass = new Pass(scope.ServiceProvider, lookup, options.Value, logger);
        await pass.SettleUnknownOutcomesAsync(cancellationToken);
        await pass.HealQuietAsync(cancellationToken);
        await pass.SweepHeldCreditsAsync(cancellationToken);
    }

    private sealed class Pass(IServiceProvider services, ITwilioLookup lookup, ReconcilerOptions settings, ILogger logger)
    {
        private readonly CallLogRepository _callLogs = services.GetRequiredService<CallLogRepository>();
        private readonly TwilioConfigProvider _configs = services.GetRequiredService<TwilioConfigProvider>();
        private readonly OutboundAttempt _attempt = services.GetRequiredService<OutboundAttempt>();
        private readonly RequestBilling _billing = services.GetRequiredService<RequestBilling>();
        private readonly CreditRepository _credits = services.GetRequiredService<CreditRepository>();
        private readonly IPublishEndpoint _publish = services.GetRequiredService<IPublishEndpoint>();

        // How long a row is left alone after a look that decided nothing (Twilio away, nothing found yet).
        private TimeSpan Retry => settings.Interval * 4 < TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : settings.Interval * 4;

        public async Task SettleUnknownOutcomesAsync(CancellationToken ct)
        {
            var rows = await _callLogs.LeaseUnsettledAttemptsAsync(lookup.Channels, settings.StuckSendingAfter, Retry, settings.BatchSize, ct);
            foreach (var row in rows)
            {
                try
                {
                    await SettleAsync(row, ct);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Twilio.Exceptions.TwilioException)
                {
                    logger.LogWarning("Could not ask Twilio about request {RequestId} ({Reason}); asking again later", row.Id, e.GetType().Name);
                }
            }
        }

        private async Task SettleAsync(CallLog row, CancellationToken ct)
        {
            var target = new OutboundTarget(row.Id, row.DomainName, row.Channel, row.PhoneNumber);
            var since = row.AttemptStartedAt ?? row.UpdatedAt;
            var account = (await _configs.GetTwilioConfigAsync(row.DomainName, row.Channel, ct)).Config;
            if (account is null || row.AttemptAccountSid is null || account.AccountSid != row.AttemptAccountSid || row.AttemptFrom is null)
            {
                await GiveUpIfDueAsync(target, since, "the account it was sent with is no longer configured, so Twilio cannot be asked", ct);
                return;
            }

            var created = await lookup.FindCreatedAsync(account, row.Channel, row.PhoneNumber, row.AttemptFrom, since.AddSeconds(-30), ct);
            foreach (var resource in created)
            {
                try
                {
                    await _callLogs.RecordTwilioAcceptedAsync(row.Id, resource.Sid, CallLogStatus.Unconfirmed, ct);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    continue; // another request's resource: not this one
                }
                logger.LogInformation("Request {RequestId}: Twilio has {TwilioSid} ({Status}) from the lost attempt; recorded, nothing resent",
                    row.Id, resource.Sid, resource.Status);
                await lookup.AcceptedAsync(_publish, row, resource.Sid, ct);
                await lookup.ReportAsync(_publish, row.Id, row.DomainName, row.Channel, resource, ct);
                return;
            }
            await GiveUpIfDueAsync(target, since, "Twilio has no record of it", ct);
        }

        private async Task GiveUpIfDueAsync(OutboundTarget target, DateTimeOffset since, string why, CancellationToken ct)
        {
            if (DateTimeOffset.UtcNow - since < settings.GiveUpAfter) return;
            await _attempt.EndAsync(target, new Refusal(CallLogStatus.Failed, OutboundAttempt.OutcomeUnknown,
                $"Twilio's answer to the send was lost and {why}; it was not sent again. Send a new request if the person should still be reached."), ct);
        }

        public async Task HealQuietAsync(CancellationToken ct)
        {
            var rows = await _callLogs.LeaseQuietAsync(lookup.Channels, settings.QuietAfter, settings.QuietAfter, settings.BatchSize, ct);
            foreach (var row in rows)
            {
                var account = (await _configs.GetTwilioConfigAsync(row.DomainName, row.Channel, ct)).Config;
                if (account is null || row.TwilioSid is null) continue;
                try
                {
                    var resource = await lookup.FetchAsync(account, row.TwilioSid, ct);
                    if (resource.Status != row.Status)
                        await lookup.ReportAsync(_publish, row.Id, row.DomainName, row.Channel, resource, ct);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Twilio.Exceptions.TwilioException)
                {
                    logger.LogWarning("Could not fetch {TwilioSid} from Twilio ({Reason}); trying again later", row.TwilioSid, e.GetType().Name);
                }
            }
        }

        public async Task SweepHeldCreditsAsync(CancellationToken ct)
        {
            var held = await _credits.FindHeldForSettledAsync(lookup.Channels, CallLogLifecycle.FinalStatuses, settings.ReservationSweepAfter, settings.BatchSize, ct);
            foreach (var request in held)
            {
                var sentMessage = request.Channel is "sms" or "wmsg" && request.TwilioSid is not null
                    && request.Status is not ("failed" or "undelivered" or "canceled" or CallLogStatus.OptedOut or CallLogStatus.InsufficientCredits);
                var connectedCall = request.Status == "completed" && request.DurationSeconds > 0 && request.TwilioSid is not null;
                if (sentMessage)
                    await _billing.MessageSentAsync(_publish, request.RequestId, request.DomainName, request.Channel, request.Type, request.TwilioSid!, ct);
                else if (connectedCall)
                    await _billing.CallConnectedAsync(_publish, request.RequestId, request.DomainName, request.Channel, request.Type, request.TwilioSid!, ct);
                else
                    await _billing.ReleaseAsync(request.RequestId, ct);
                logger.LogInformation("Held credits of settled request {RequestId} ({Status}) {Outcome}", request.RequestId, request.Status,
                    sentMessage || connectedCall ? "billed" : "released");
            }
        }
    }
}
