using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Aventora.Conversations.Assistant;

public static class AssistantExtensions
{
    /// <summary>The assistant configuration chooses: scripted (offline, the default) or a language model.</summary>
    public static IServiceCollection AddAssistant(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AssistantOptions>().Bind(configuration.GetSection(AssistantOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ScriptedAssistant>();
        services.AddSingleton<IAssistant>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AssistantOptions>>().Value;
            if (options.Provider != "openai") return sp.GetRequiredService<ScriptedAssistant>();
            var client = new OpenAIClient(new ApiKeyCredential(options.ApiKey!), new OpenAIClientOptions
            {
                Endpoint = new Uri(options.Endpoint!),
                NetworkTimeout = options.Timeout,
            });
            return new ChatClientAssistant(client.GetChatClient(options.Model).AsIChatClient());
        });
        return services;
    }
}
