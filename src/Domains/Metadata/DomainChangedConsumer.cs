using Aventora.Contracts.Domains;
using MassTransit;

namespace Aventora.Domains.Metadata;

/// <summary>Every process listens on a queue of its own, so an admin's change reaches every cached copy.</summary>
public sealed class DomainChangedConsumer(DomainMetadataCache cache) : IConsumer<DomainChanged>
{
    public Task Consume(ConsumeContext<DomainChanged> context)
    {
        cache.Drop(context.Message.DomainName);
        return Task.CompletedTask;
    }
}
