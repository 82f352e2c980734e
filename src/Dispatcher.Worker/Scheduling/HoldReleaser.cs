using System.Text.Json;
using Aventora.Contracts.Outbound;
using Aventora.Persistence.Campaigns;
using Aventora.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Dispatcher.Worker.Scheduling;

/// <summary>
/// The schedule: held requests live in PostgreSQL (<c>outbound_holds</c>), so they survive restarts of any process and need no broker
/// plugin (RabbitMQ's delayed-message exchange is not in Debian's package). Every dispatcher copy looks every
/// <see cref="SchedulerOptions.PollInterval"/>, leases the holds due by its clock (an injectable <see cref="TimeProvider"/>) with FOR
/// UPDATE SKIP LOCKED, and publishes each one's message again, marked released, in its lane. The consumer that receives it takes the
/// hold (deletes the row) as it goes on; a release whose message was lost is released again once its lease has run out.
/// </summary>
public sealed class HoldReleaser(
    OutboundHoldRepository holds, IBus bus, TimeProvider clock, IOptions<SchedulerOptions> options, ILogger<HoldReleaser> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                while (await ReleaseDueAsync(stoppingToken) == options.Value.BatchSize) { } // a full page: look again at once
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Releasing held requests failed ({ErrorType}: {Error}); trying again shortly", e.GetType().Name, e.Message);
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try { return await timer.WaitForNextTickAsync(stoppingToken); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>One look: releases the holds due now; how many.</summary>
    public async Task<int> ReleaseDueAsync(CancellationToken cancellationToken)
    {
        var due = await holds.LeaseDueAsync(clock.GetUtcNow(), options.Value.LeaseFor, options.Value.BatchSize, cancellationToken);
        foreach (var hold in due)
        {
            await ReleaseAsync(hold, cancellationToken);
            logger.LogInformation("Released request {RequestId} held for {HoldReason} (due {DueAt:O})", hold.RequestId, hold.Reason, hold.DueAt);
        }
        return due.Count;
    }

    private Task ReleaseAsync(OutboundHold hold, CancellationToken ct) => hold.MessageKind switch
    {
        HoldKinds.SendMessage => DeliverAsync(Read<SendMessage>(hold), hold, OutboundLanes.SendMessageBulk, ct),
        HoldKinds.PlaceCall => DeliverAsync(Read<PlaceCall>(hold), hold, OutboundLanes.PlaceCallBulk, ct),
        _ => DeliverAsync(Read<OutboundRequested>(hold), hold, OutboundLanes.OutboundRequestedBulk, ct),
    };

    private static T Read<T>(OutboundHold hold) where T : class =>
        JsonSerializer.Deserialize<T>(hold.Message) ?? throw new InvalidOperationException($"Hold of request {hold.RequestId} holds no {typeof(T).Name}.");

    // Batch rows go back to the bulk lane they came from; the rest is published as any interactive request. The header names the
    // kind of message released: MassTransit carries a consumed message's headers onto what its consumer publishes, and only the
    // consumer of that kind may take the hold.
    private async Task DeliverAsync<T>(T message, OutboundHold hold, string bulkQueue, CancellationToken ct) where T : class
    {
        if (OutboundLanes.IsBulk(hold.BatchId))
        {
            var endpoint = await bus.GetSendEndpoint(OutboundLanes.Queue(bulkQueue));
            await endpoint.Send(message, context => context.Headers.Set(OutboundLanes.ReleasedHeader, hold.MessageKind), ct);
        }
        else
        {
            await bus.Publish(message, context => context.Headers.Set(OutboundLanes.ReleasedHeader, hold.MessageKind), ct);
        }
    }
}
