namespace Aventora.Domains.Metadata;

/// <summary>A domain's settings as its metadata source holds them. <see cref="TechnicalJson"/> holds secrets: never log it.</summary>
public sealed record DomainMetadata
{
    public required string DomainName { get; init; }
    public required IReadOnlyDictionary<string, string?> TechnicalJson { get; init; }

    public string? Technical(string key) =>
        TechnicalJson.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>Where domain metadata comes from.</summary>
public interface IDomainMetadataSource
{
    /// <summary>The domain's metadata, or null when the source does not know the domain.</summary>
    /// <exception cref="DomainSourceUnavailableException">The source could not be asked now; worth a retry.</exception>
    Task<DomainMetadata?> GetDomainMetadataAsync(string domainName, CancellationToken cancellationToken);
}

public sealed class DomainSourceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
