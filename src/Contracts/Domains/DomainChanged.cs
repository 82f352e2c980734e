namespace Aventora.Contracts.Domains;

/// <summary>A domain's metadata was created, changed or deleted: every process drops its cached copy.</summary>
public sealed record DomainChanged
{
    public required string DomainName { get; init; }
    public required DateTimeOffset ChangedAt { get; init; }
}
