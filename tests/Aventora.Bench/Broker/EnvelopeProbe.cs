using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Aventora.Bench.Broker;

/// <summary>
/// Measures the size of a real <c>OutboundRequested</c> as it travels: binds a private queue to the message type's
/// exchange (MassTransit names it after the type), sends one request through <c>POST /start</c>, and reads the copy.
/// The broker ceiling is then measured with messages of exactly that size.
/// </summary>
public static class EnvelopeProbe
{
    public const string Exchange = "Aventora.Contracts.Outbound:OutboundRequested";

    public static async Task<int?> MeasureAsync(Uri rabbitMq, Func<CancellationToken, Task<bool>> sendOne, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "aventora-bench-probe" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            string queue;
            try
            {
                queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: ct)).QueueName;
                await channel.QueueBindAsync(queue, Exchange, "", cancellationToken: ct);
            }
            catch (OperationInterruptedException) when (attempt == 0)
            {
                // MassTransit declares the exchange on its first publish: publish once, then bind.
                await sendOne(ct);
                await Task.Delay(500, ct);
                continue;
            }
            if (!await sendOne(ct)) return null;
            var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
            while (DateTimeOffset.UtcNow < deadline)
            {
                if (await channel.BasicGetAsync(queue, autoAck: true, ct) is { } copy) return copy.Body.Length;
                await Task.Delay(50, ct);
            }
            return null;
        }
        return null;
    }
}
