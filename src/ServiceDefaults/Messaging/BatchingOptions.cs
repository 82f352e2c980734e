using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aventora.ServiceDefaults.Messaging;

/// <summary>
/// Binds the <c>Batching</c> section: how the consumers of work that arrives in bursts (usages, Twilio's status reports) take
/// their messages, as MassTransit <see cref="Batch{T}"/>es written in one round trip each. A batch is handed over when it holds
/// <see cref="MessageLimit"/> messages or <see cref="TimeLimitMs"/> after its first, whichever comes first, so a lone message
/// waits at most that long; <see cref="ConcurrencyLimit"/> batches of one endpoint run at once.
/// </summary>
public sealed class BatchingOptions
{
    public const string Section = "Batching";

    [Range(1, 1_000, ErrorMessage = "Batching:MessageLimit must be between 1 and 1000.")]
    public int MessageLimit { get; set; } = 100;

    [Range(1, 10_000, ErrorMessage = "Batching:TimeLimitMs must be between 1 and 10000.")]
    public int TimeLimitMs { get; set; } = 20;

    [Range(1, 64, ErrorMessage = "Batching:ConcurrencyLimit must be between 1 and 64.")]
    public int ConcurrencyLimit { get; set; } = 2;

    /// <summary>These limits as MassTransit's batch options.</summary>
    public void ApplyTo(BatchOptions batch) => batch
        .SetMessageLimit(MessageLimit)
        .SetTimeLimit(TimeSpan.FromMilliseconds(TimeLimitMs))
        .SetConcurrencyLimit(ConcurrencyLimit);
}

public static class BatchingRegistration
{
    /// <summary>Adds a <see cref="Batch{T}"/> consumer whose batches are sized by the <c>Batching</c> section.</summary>
    public static IConsumerRegistrationConfigurator<T> AddBatchConsumer<T>(this IBusRegistrationConfigurator bus) where T : class, IConsumer =>
        bus.AddConsumer<T>((context, consumer) =>
            consumer.Options<BatchOptions>(context.GetRequiredService<IOptions<BatchingOptions>>().Value.ApplyTo));
}
