namespace Aventora.Ingress.Api.EmailPull;

public static class EmailPullExtensions
{
    /// <summary>The email-pull poller (off with <c>EmailPull:Enabled=false</c>) and its validated options.</summary>
    public static IServiceCollection AddEmailPull(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailPullOptions>().Bind(configuration.GetSection(EmailPullOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MailboxHostPolicy>();
        services.AddSingleton<MailboxConnector>();
        services.AddHostedService<EmailPullPoller>();
        return services;
    }
}
