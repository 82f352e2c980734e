using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Aventora.Domains.Metadata;

/// <summary>
/// Keeps each domain's metadata briefly in this process; a <c>DomainChanged</c> event drops it at once. Keyed and looked up by
/// the one normalised name (<see cref="DomainNames"/>), bounded (<see cref="DomainMetadataOptions.CacheSize"/>), and holding only
/// what the source knows: a miss is never kept, so no request, least of all an unauthenticated one naming a domain it made up or
/// spelt in capitals, can make a tenant look unknown to the next one.
/// </summary>
public sealed class DomainMetadataCache(IDomainMetadataSource source, IOptions<DomainMetadataOptions> options) : IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = options.Value.CacheSize });

    /// <summary>The domain's metadata, or null when no domain has that name (or the name cannot be a domain's).</summary>
    public Task<DomainMetadata?> GetDomainMetadataAsync(string domainName, CancellationToken cancellationToken) =>
        LookUpAsync(domainName, keep: true, cancellationToken);

    /// <summary>
    /// For a caller not yet authenticated (a Twilio callback before its signature is checked): a held copy, else the source's
    /// answer without keeping it, so an unauthenticated request changes nothing this cache holds. <see cref="Keep"/> it once the
    /// caller has proved who it is.
    /// </summary>
    public Task<DomainMetadata?> LookUpWithoutKeepingAsync(string domainName, CancellationToken cancellationToken) =>
        LookUpAsync(domainName, keep: false, cancellationToken);

    public void Keep(DomainMetadata metadata)
    {
        if (DomainNames.Normalize(metadata.DomainName) is { } name)
            cache.Set(name, metadata, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.CacheFor });
    }

    private async Task<DomainMetadata?> LookUpAsync(string domainName, bool keep, CancellationToken cancellationToken)
    {
        if (DomainNames.Normalize(domainName) is not { } name) return null;
        if (cache.TryGetValue(name, out DomainMetadata? cached)) return cached;
        var metadata = await source.GetDomainMetadataAsync(name, cancellationToken);
        if (metadata is not null && keep) Keep(metadata);
        return metadata;
    }

    /// <summary>Whether this process holds a copy for the domain (what the tenant-safety tests look at).</summary>
    public bool Holds(string domainName) => DomainNames.Normalize(domainName) is { } name && cache.TryGetValue(name, out _);

    /// <summary>How many domains this process holds a copy of.</summary>
    public long Count => cache.Count;

    public void Drop(string domainName)
    {
        if (DomainNames.Normalize(domainName) is { } name) cache.Remove(name);
    }

    public void Dispose() => cache.Dispose();
}
