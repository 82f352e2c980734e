using Aventora.Persistence.Conversations;
using Aventora.Persistence.Domains;
using Microsoft.Extensions.Configuration;

namespace Aventora.Domains.Credentials;

/// <summary>Which domain a person's message to one of our numbers belongs to, and so whose auth token signed it.</summary>
public sealed class NumberOwners(SmsSessionRepository sessions, DomainRepository domains, IConfiguration configuration)
{
    /// <summary>
    /// The session the person is in with that number, else the domain whose metadata names the number, else none
    /// (the number is the environment's own, or nobody's: <paramref name="isKnown"/> tells which).
    /// </summary>
    public async Task<(string? DomainName, bool IsKnown)> FindAsync(string channel, string personNumber, string ourNumber, CancellationToken cancellationToken)
    {
        if (await sessions.FindBySenderAsync(channel, personNumber, ourNumber, cancellationToken) is { } session)
            return (session.DomainName.Length == 0 ? null : session.DomainName, true);
        if (await domains.FindByNumberAsync(TwilioConfigResolver.KeyPrefix(channel) + "_number", ourNumber, cancellationToken) is { } domain)
            return (domain, true);
        var environmentNumber = configuration[TwilioConfigResolver.SenderEnvironmentVariable(channel)];
        return (null, environmentNumber is not null && TwilioAddress.StripWhatsApp(environmentNumber) == ourNumber);
    }
}
