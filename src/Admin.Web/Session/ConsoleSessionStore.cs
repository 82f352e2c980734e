using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace Aventora.Admin.Web.Session;

/// <summary>
/// Sign-ins kept on the server: the cookie holds only a random session id, and the ticket (with the API key) stays here, so signing
/// out removes it and a copied cookie stops working at once. Tickets are encrypted with the console's own Data Protection keys
/// before they reach the cache. The cache is the process's memory unless a shared <see cref="IDistributedCache"/> is registered:
/// one console instance, and a console restart signs everybody out (README, "Admin console").
/// </summary>
public sealed class ConsoleSessionStore(IDistributedCache cache, IDataProtectionProvider protection, TimeProvider clock) : ITicketStore
{
    private const string KeyPrefix = "aventora-console-session:";
    private readonly IDataProtector _protector = protection.CreateProtector("Aventora.Admin.Web.Session.v1");

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await RenewAsync(id, ticket);
        return id;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        var expires = ticket.Properties.ExpiresUtc ?? clock.GetUtcNow().AddHours(8);
        var value = _protector.Protect(TicketSerializer.Default.Serialize(ticket));
        return cache.SetAsync(KeyPrefix + key, value, new DistributedCacheEntryOptions { AbsoluteExpiration = expires });
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (await cache.GetAsync(KeyPrefix + key) is not { } value) return null;
        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(value));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // written under keys this console no longer has: signed out
        }
    }

    public Task RemoveAsync(string key) => cache.RemoveAsync(KeyPrefix + key);
}
