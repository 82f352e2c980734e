using System.Collections.Concurrent;
using Aventora.Persistence.Domains;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Auth;

/// <summary>
/// Which domain an active key belongs to, remembered for <see cref="AdminOptions.ApiKeyCacheFor"/>, so a burst of requests
/// does not open a database connection per request just to check its key. A key the database does not know is remembered too,
/// as a miss, for <see cref="AdminOptions.UnknownApiKeyCacheFor"/> in a cache bounded by <see cref="AdminOptions.UnknownApiKeyCacheSize"/>,
/// so a flood repeating a bad key costs no query each. A miss cannot hide a new key: keys are 160 random bits made here and shown
/// once, so nobody presents one before it exists, and creating, revoking or deleting anything here forgets everything at once
/// (another Ingress instance within its TTLs). Keys are held by their SHA-256 only.
/// </summary>
public sealed class ApiKeyCache(ApiKeyRepository apiKeys, IOptions<AdminOptions> admin, TimeProvider clock) : IDisposable
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

    public void Forget()
    {
        _known.Clear();
        _unknown.Clear();
    }

    public void Dispose() => _unknown.Dispose();
}
