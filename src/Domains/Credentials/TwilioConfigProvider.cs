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
            if (domain is null)
                return TwilioConfigResult.Missing(UnknownDomain, $"Domain '{domainName}' is not known to the domain metadata source.");
        }
        return TwilioConfigResolver.GetTwilioConfig(domain, channel, configuration, options.Value.FallbackSenderForDomains);
    }
}
