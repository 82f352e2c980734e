using Aventora.Domains.Metadata;
using Microsoft.Extensions.Options;

namespace Aventora.UnitTests.Credentials;

/// <summary>The domain cache: one spelling of a name, no kept misses, nothing kept for a caller not yet verified.</summary>
public sealed class DomainMetadataCacheTests
{
    private sealed class CountingSource : IDomainMetadataSource
    {
        public List<string> Asked { get; } = [];

        public Task<DomainMetadata?> GetDomainMetadataAsync(string domainName, CancellationToken cancellationToken)
        {
            Asked.Add(domainName);
            return Task.FromResult(domainName == "acme" ? new DomainMetadata { DomainName = "acme", TechnicalJson = new Dictionary<string, string?>() } : null);
        }
    }

    private static (DomainMetadataCache Cache, CountingSource Source) New()
    {
        var source = new CountingSource();
        return (new DomainMetadataCache(source, Options.Create(new DomainMetadataOptions())), source);
    }

    [Fact]
    public async Task A_name_in_capitals_or_with_spaces_finds_the_tenant_and_is_kept_under_its_one_spelling()
    {
        var (cache, source) = New();
        Assert.Equal("acme", (await cache.GetDomainMetadataAsync("  ACME ", default))?.DomainName);
        Assert.Equal("acme", (await cache.GetDomainMetadataAsync("acme", default))?.DomainName);
        Assert.Equal(["acme"], source.Asked);
    }

    [Fact]
    public async Task A_miss_is_never_kept_so_the_tenant_created_next_is_found_at_once()
    {
        var (cache, source) = New();
        Assert.Null(await cache.GetDomainMetadataAsync("other", default));
        Assert.Null(await cache.GetDomainMetadataAsync("other", default));
        Assert.Equal(["other", "other"], source.Asked);
        Assert.False(cache.Holds("other"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a domain")]
    [InlineData("-leading-dash")]
    [InlineData("acme/../x")]
    public async Task A_name_that_cannot_be_a_domains_never_reaches_the_source(string name)
    {
        var (cache, source) = New();
        Assert.Null(await cache.GetDomainMetadataAsync(name, default));
        Assert.Null(await cache.LookUpWithoutKeepingAsync(name, default));
        Assert.Empty(source.Asked);
    }

    [Fact]
    public async Task A_lookup_without_keeping_keeps_nothing_until_told_to()
    {
        var (cache, _) = New();
        var found = await cache.LookUpWithoutKeepingAsync("ACME", default);
        Assert.NotNull(found);
        Assert.False(cache.Holds("acme"));
        cache.Keep(found);
        Assert.True(cache.Holds("acme"));
    }
}
