using System.Collections.Concurrent;
using Aventora.Persistence.Domains;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Auth;

/// <summary>
/// Which domain an active key belongs to, remembered for <see cref="AdminOptions.ApiKeyCacheFor"/>, so a burst of requests
/// does not open a database connection per request just to check its key. Only known keys are remembered (an unknown key is
/// asked every time); revoking or deleting anything here forgets everything at once, another Ingress instance within the TTL.
/// </summary>
public sealed class ApiKeyCache(ApiKeyRepository apiKeys, IOptions<AdminOptions> admin, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (KeyOwner Owner, DateTimeOffset Until)> _known = new(StringComparer.Ordinal);

    public async Task<KeyOwner?> FindDomainAsync(byte[] keyHash, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var name = Convert.ToHexString(keyHash);
        if (_known.TryGetValue(name, out var entry) && entry.Until > now) return entry.Owner;
        var domain = await apiKeys.FindDomainOfActiveKeyAsync(keyHash, cancellationToken);
        if (domain is null) _known.TryRemove(name, out _);
        else if (admin.Value.ApiKeyCacheFor > TimeSpan.Zero) _known[name] = (domain, now + admin.Value.ApiKeyCacheFor);
        return domain;
    }

    public void Forget() => _known.Clear();
}
