using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Problems;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.RateLimits;

/// <summary>Which budget a request is charged to: its kind (<see cref="RequestBudgets.Anonymous"/>, ...) and whose it is, as it may be logged.</summary>
public sealed record RequestBudget(string Limit, string Owner, int PerSecond, int Burst);

/// <summary>
/// Charges each request, before anything reads a database, to one budget: health and metrics to none; Twilio's webhooks to their
/// source address; a request bearing the admin key or a key this process has seen valid (<see cref="ApiKeyCache.LastKnownOwner"/>) to
/// that key; anything else, a bad or new key included, to its source address. So a flood of made-up keys is held to one address's
/// budget before any of them is looked up. A key is named by a fingerprint of its hash, never by itself.
/// </summary>
public sealed class RequestBudgets(IOptions<RateLimitOptions> options, IOptions<AdminOptions> admin, ApiKeyCache apiKeys)
{
    public const string Anonymous = "anonymous";
    public const string Twilio = "twilio";
    public const string ApiKey = "api_key";

    private static readonly string[] Exempt = ["/health", "/metrics"];

    /// <summary>The budget <paramref name="http"/> is charged to, or null when it is charged to none.</summary>
    public RequestBudget? For(HttpContext http)
    {
        var limits = options.Value;
        if (!limits.Enabled || Exempt.Any(p => http.Request.Path.StartsWithSegments(p))) return null;
        if (RequestLimits.IsTwilioWebhook(http.Request.Path))
            return new RequestBudget(Twilio, SourceOf(http), limits.TwilioPerSecond, limits.TwilioBurst);
        if (ApiKeys.FromRequest(http.Request) is { } key)
        {
            if (ApiKeys.IsAdminKey(key, admin.Value.ApiKey))
                return new RequestBudget(ApiKey, "admin", limits.PerKeyPerSecond, limits.PerKeyBurst);
            var hash = ApiKeys.Hash(key);
            if (apiKeys.LastKnownOwner(hash) is { } owner)
                return new RequestBudget(ApiKey, $"{owner.DomainName}/{Convert.ToHexStringLower(hash)[..16]}", limits.PerKeyPerSecond, limits.PerKeyBurst);
        }
        return new RequestBudget(Anonymous, SourceOf(http), limits.AnonymousPerSecond, limits.AnonymousBurst);
    }

    public RateLimitPartition<string> PartitionFor(HttpContext http)
    {
        if (For(http) is not { } budget) return RateLimitPartition.GetNoLimiter("none");
        http.Features.Set(budget);
        var queue = options.Value.QueueLimit;
        return RateLimitPartition.GetTokenBucketLimiter($"{budget.Limit}|{budget.Owner}", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = budget.Burst,
            TokensPerPeriod = budget.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>The caller's address; IPv6 by its /64, which one subscriber usually holds whole.</summary>
    private static string SourceOf(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
