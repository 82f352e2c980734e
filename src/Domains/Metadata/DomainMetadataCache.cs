using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Aventora.Domains.Metadata;

/// <summary>Keeps each domain's metadata briefly in this process; a <c>DomainChanged</c> event drops it at once.</summary>
public sealed class DomainMetadataCache(IDomainMetadataSource source, IMemoryCache cache, IOptions<DomainMetadataOptions> options)
{
    public async Task<DomainMetadata?> GetDomainMetadataAsync(string domainName, CancellationToken cancellationToken)
    {
        var key = Key(domainName);
        if (cache.TryGetValue(key, out DomainMetadata? cached)) return cached;
        var metadata = await source.GetDomainMetadataAsync(domainName, cancellationToken);
        cache.Set(key, metadata, options.Value.CacheFor);
        return metadata;
    }

    public void Drop(string domainName) => cache.Remove(Key(domainName));

    private static string Key(string domainName) => "domain-metadata:" + domainName.ToLowerInvariant();
}
