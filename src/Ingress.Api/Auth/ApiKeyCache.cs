using System.Collections.Concurrent;
using Aventora.Domains.Metadata;
using Aventora.Persistence.Domains;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Auth;

/// <summary>
/// Which domain an active key belongs to, remembered for <see cref="AdminOptions.ApiKeyCacheFor"/>, so a burst of requests
/// does not open a database connection per request just to check its key. A key the database does not know is remembered too,
/// as a miss, for <see cref="AdminOptions.UnknownApiKeyCacheFor"/> in a cache bounded by <see cref="AdminOptions.UnknownApiKeyCacheSize"/>,
/// so a flood repeating a bad key costs no query each. A miss cannot hide a new key: keys are 160 random bits made here and shown
/// once, so nobody presents one before it exists, and creating, revoking or deleting anything here forgets everything at once;
/// every other Ingress copy forgets the domain's keys when it hears the change (<c>DomainChanged</c>), so a revoked key, or the key
/// of a deleted domain whose name another tenant has taken, stops working there too. Keys are held by their SHA-256 only.
/// </summary>
public sealed class ApiKeyCache(ApiKeyRepository apiKeys, IOptions<AdminOptions> admin, TimeProvider clock) : IDomainChangeListener, IDisposable
{
    private readonly ConcurrentDictionary<string, (KeyOwner Owner, DateTimeOffset Until)> _known = new(StringComparer.Ordinal);
    private readonly MemoryCache _unknown = new(new MemoryCacheOptions { SizeLimit = admin.Value.UnknownApiKeyCacheSize });

    public async Task<KeyOwner?> FindDomainAsync(byte[] keyHash, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var name = Convert.ToHexString(keyHash);
        if (_known.TryGetValue(name, out var entry) && entry.Until > now) return entry.Owner;
        if (_unknown.TryGetValue(name, out _)) return null;
        var domain = await apiKeys.FindDomainOfActiveKeyAsync(keyHash, cancellationToken);
        if (domain is null)
        {
            _known.TryRemove(name, out _);
            if (admin.Value.UnknownApiKeyCacheFor > TimeSpan.Zero)
                _unknown.Set(name, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = admin.Value.UnknownApiKeyCacheFor });
        }
        else _known[name] = (domain, now + admin.Value.ApiKeyCacheFor); // with a TTL of 0, only for LastKnownOwner
        return domain;
    }

    /// <summary>
    /// The domain a key was last seen acting for, even past its TTL, without asking the database: what the rate limiter charges a
    /// request to before authentication runs. Null for a key never seen valid here, or seen unknown or revoked since.
    /// </summary>
    public KeyOwner? LastKnownOwner(byte[] keyHash) => _known.TryGetValue(Convert.ToHexString(keyHash), out var entry) ? entry.Owner : null;

    /// <summary>Drops the misses only: a key was created.</summary>
    public void ForgetUnknown() => _unknown.Clear();

    /// <summary>Another copy changed the domain (a key revoked, the domain deleted or changed): its keys are looked up again.</summary>
    public void DomainChanged(string domainName)
    {
        foreach (var (hash, entry) in _known)
            if (string.Equals(entry.Owner.DomainName, domainName, StringComparison.OrdinalIgnoreCase)) _known.TryRemove(hash, out _);
    }

    public void Forget()
    {
        _known.Clear();
        _unknown.Clear();
    }

    public void Dispose() => _unknown.Dispose();
}
