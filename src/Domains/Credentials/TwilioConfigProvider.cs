using Aventora.Domains.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Aventora.Domains.Credentials;

/// <summary><c>get_twilio_config</c> for a request: the domain's metadata (cached) resolved for the channel.</summary>
public sealed class TwilioConfigProvider(DomainMetadataCache metadata, IConfiguration configuration, IOptions<DomainMetadataOptions> options)
{
    public const string UnknownDomain = "unknown_domain";

    public async Task<TwilioConfigResult> GetTwilioConfigAsync(string? domainName, string channel, CancellationToken cancellationToken)
    {
        DomainMetadata? domain = null;
        if (!string.IsNullOrWhiteSpace(domainName))
        {
            domain = await metadata.GetDomainMetadataAsync(domainName, cancellationToken);
            if (domain is null) return Unknown(domainName);
        }
        return Resolve(domain, channel);
    }

    /// <summary>
    /// For a Twilio webhook: the account that <paramref name="domainName"/> sends <paramref name="channel"/> with, when the webhook
    /// names that account and <paramref name="isSignedWith"/> its auth token holds; otherwise null. The domain is looked up without
    /// keeping it (<see cref="DomainMetadataCache.LookUpWithoutKeepingAsync"/>) and kept only once the signature holds, so a
    /// forged or unsigned webhook changes nothing the cache holds.
    /// </summary>
    public async Task<TwilioConfig?> VerifyWebhookAsync(
        string? domainName, string channel, string accountSid, Func<string, bool> isSignedWith, CancellationToken cancellationToken)
    {
        DomainMetadata? domain = null;
        if (!string.IsNullOrWhiteSpace(domainName))
        {
            domain = await metadata.LookUpWithoutKeepingAsync(domainName, cancellationToken);
            if (domain is null) return null;
        }
        if (Resolve(domain, channel).Config is not { } config || !string.Equals(config.AccountSid, accountSid, StringComparison.Ordinal)
            || !isSignedWith(config.AuthToken))
            return null;
        if (domain is not null) metadata.Keep(domain);
        return config;
    }

    private TwilioConfigResult Resolve(DomainMetadata? domain, string channel) =>
        TwilioConfigResolver.GetTwilioConfig(domain, channel, configuration, options.Value.FallbackSenderForDomains);

    private static TwilioConfigResult Unknown(string domainName) =>
        TwilioConfigResult.Missing(UnknownDomain, $"Domain '{domainName}' is not known to the domain metadata source.");
}
