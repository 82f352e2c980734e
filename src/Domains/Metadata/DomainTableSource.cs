using System.Text.Json;
using Aventora.Persistence.Domains;

namespace Aventora.Domains.Metadata;

/// <summary>The embedded default: the local <c>domains</c> table, managed through Aventora's admin endpoints.</summary>
public sealed class DomainTableSource(DomainRepository domains) : IDomainMetadataSource
{
    public async Task<DomainMetadata?> GetDomainMetadataAsync(string domainName, CancellationToken cancellationToken)
    {
        var row = await domains.FindAsync(domainName, cancellationToken);
        return row is null ? null : new DomainMetadata
        {
            DomainName = row.Name,
            TechnicalJson = JsonSerializer.Deserialize<Dictionary<string, string?>>(row.TechnicalJson) ?? [],
        };
    }
}
