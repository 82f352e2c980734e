using Aventora.Contracts.Domains;
using MassTransit;

namespace Aventora.Domains.Metadata;

/// <summary>Something else a process keeps about a domain that must go when the domain changes (its API keys, in Ingress).</summary>
public interface IDomainChangeListener
{
    void DomainChanged(string domainName);
}

/// <summary>Every process listens on a queue of its own, so an admin's change reaches every cached copy.</summary>
public sealed class DomainChangedConsumer(DomainMetadataCache cache, IEnumerable<IDomainChangeListener> listeners) : IConsumer<DomainChanged>
{
    public Task Consume(ConsumeContext<DomainChanged> context)
    {
        cache.Drop(context.Message.DomainName);
        foreach (var listener in listeners) listener.DomainChanged(context.Message.DomainName);
        return Task.CompletedTask;
    }
}
