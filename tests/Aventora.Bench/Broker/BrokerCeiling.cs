using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Aventora.Bench.Broker;

/// <summary>What the broker alone sustained: confirmed publishes and consumed messages, each per second.</summary>
public sealed record BrokerResult(
    int MessageBytes, int Publishers, double Seconds, long Confirmed, long Nacked, long Consumed,
    double ConfirmedPerSecond, double ConsumedPerSecond, bool AllConsumed);

/// <summary>
/// The ceiling any RabbitMQ pipeline on this machine lives under: several publishers, each on its own connection with
/// publisher confirms, pipelining a window of publishes and awaiting their confirms together (as a tuned client does),
/// into a durable queue behind a fanout exchange (MassTransit's topology), persistent messages of the size of a real
/// <c>OutboundRequested</c>; one consumer with a prefetch window acknowledging in batches. Same broker, same vhost.
/// </summary>
public sealed class BrokerCeiling(Uri rabbitMq, string runId)
{
    private const int Window = 256;        // publishes in flight per publisher before awaiting their confirms
    private const ushort Prefetch = 1000;
    private const int AckEvery = 100;

    public async Task<BrokerResult> RunAsync(int messageBytes, int publishers, TimeSpan duration, TimeSpan drainFor, CancellationToken ct)
    {
        var name = $"bench-broker-ceiling-{runId}";
        var factory = new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "aventora-bench-broker" };
        await using var setup = await factory.CreateConnectionAsync(ct);
        await using var admin = await setup.CreateChannelAsync(cancellationToken: ct);
        await admin.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await admin.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        await admin.QueueBindAsync(name, name, "", cancellationToken: ct);
        try
        {
            long consumed = 0;
            long lastConsumedTicks = 0;
            await using var consumerConnection = await factory.CreateConnectionAsync(ct);
            await using var consumerChannel = await consumerConnection.CreateChannelAsync(cancellationToken: ct);
            await consumerChannel.BasicQosAsync(0, Prefetch, false, ct);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            var clock = Stopwatch.StartNew();
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var n = Interlocked.Increment(ref consumed);
                Volatile.Write(ref lastConsumedTicks, clock.Elapsed.Ticks);
                if (n % AckEvery == 0) await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: true);
            };
            await consumerChannel.BasicConsumeAsync(name, autoAck: false, consumer, ct);

            var body = new byte[messageBytes];
            Array.Fill(body, (byte)'x');
            var properties = new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" };
            var results = await Task.WhenAll(Enumerable.Range(0, publishers)
                .Select(_ => PublishAsync(factory, name, body, properties, clock, duration, ct)));
            var publishSeconds = clock.Elapsed.TotalSeconds;
            var confirmed = results.Sum(r => r.Confirmed);
            var nacked = results.Sum(r => r.Nacked);

            // Every confirmed message must come out again: the count is checked, not assumed.
            var drainDeadline = clock.Elapsed + drainFor;
            while (Interlocked.Read(ref consumed) < confirmed && clock.Elapsed < drainDeadline) await Task.Delay(20, ct);
            var consumedCount = Interlocked.Read(ref consumed);
            var consumeSeconds = TimeSpan.FromTicks(Volatile.Read(ref lastConsumedTicks)).TotalSeconds;
            return new BrokerResult(messageBytes, publishers, publishSeconds, confirmed, nacked, consumedCount,
                confirmed / publishSeconds, consumeSeconds > 0 ? consumedCount / consumeSeconds : 0, consumedCount >= confirmed);
        }
        finally
        {
            await admin.QueueDeleteAsync(name, cancellationToken: CancellationToken.None);
            await admin.ExchangeDeleteAsync(name, cancellationToken: CancellationToken.None);
        }
    }

    private static async Task<(long Confirmed, long Nacked)> PublishAsync(
        ConnectionFactory factory, string exchange, byte[] body, BasicProperties properties, Stopwatch clock, TimeSpan duration, CancellationToken ct)
    {
        await using var connection = await factory.CreateConnectionAsync(ct);
        var options = new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(Window * 2));
        await using var channel = await connection.CreateChannelAsync(options, ct);
        long confirmed = 0, nacked = 0;
        var inFlight = new Task[Window];
        while (clock.Elapsed < duration && !ct.IsCancellationRequested)
        {
            for (var i = 0; i < Window; i++)
                inFlight[i] = channel.BasicPublishAsync(exchange, "", mandatory: false, properties, body, ct).AsTask();
            foreach (var publish in inFlight)
            {
                try { await publish; confirmed++; }
                catch (PublishException) { nacked++; }
            }
        }
        return (confirmed, nacked);
    }
}
