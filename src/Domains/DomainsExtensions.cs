using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aventora.Domains;

public static class DomainsExtensions
{
    /// <summary>Domain metadata from the configured source, cached, with <c>get_twilio_config</c> on top.</summary>
    public static IServiceCollection AddDomainMetadata(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DomainMetadataOptions>()
            .Bind(configuration.GetSection(DomainMetadataOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<DomainTableSource>();
        services.AddHttpClient<DomainChatbotSource>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<DomainMetadataOptions>>().Value;
            if (options.ChatbotBaseUrl is { } url) http.BaseAddress = new Uri(url.TrimEnd('/') + "/");
            http.Timeout = options.ChatbotTimeout;
        });
        services.AddTransient<IDomainMetadataSource>(sp =>
            sp.GetRequiredService<IOptions<DomainMetadataOptions>>().Value.Source == "chatbot"
                ? sp.GetRequiredService<DomainChatbotSource>()
                : sp.GetRequiredService<DomainTableSource>());
        services.AddSingleton<DomainMetadataCache>();
        services.AddSingleton<TwilioConfigProvider>();
        services.AddSingleton<NumberOwners>();
        return services;
    }

    /// <summary>A temporary queue per process instance: every copy hears every <c>DomainChanged</c>.</summary>
    public static void AddDomainCacheInvalidation(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<DomainChangedConsumer>().Endpoint(endpoint =>
        {
            endpoint.InstanceId = Guid.NewGuid().ToString("N")[..12];
            endpoint.Temporary = true;
        });
}
