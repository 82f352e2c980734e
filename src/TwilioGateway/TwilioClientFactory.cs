using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Aventora.Domains.Credentials;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Http;

namespace Aventora.TwilioGateway;

/// <summary>A Twilio REST client for one account, over the shared HTTP client that reaches the configured API base URL.</summary>
public sealed class TwilioClientFactory(IHttpClientFactory httpClients)
{
    public const string HttpClientName = "twilio";

    public ITwilioRestClient Create(TwilioConfig config) =>
        new TwilioRestClient(config.AccountSid, config.AuthToken, accountSid: config.AccountSid,
            httpClient: new SystemNetHttpClient(httpClients.CreateClient(HttpClientName)));
}

public static class TwilioGatewayExtensions
{
    public static IServiceCollection AddTwilioGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TwilioOptions>()
            .Bind(configuration.GetSection(TwilioOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient(TwilioClientFactory.HttpClientName, (sp, http) =>
                http.Timeout = sp.GetRequiredService<IOptions<TwilioOptions>>().Value.Timeout)
            .AddHttpMessageHandler(sp => new ApiBaseUrlHandler(new Uri(sp.GetRequiredService<IOptions<TwilioOptions>>().Value.ApiBaseUrl)));
        services.AddSingleton<TwilioClientFactory>();
        return services;
    }
}
