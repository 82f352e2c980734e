using Aventora.Voice.Worker.Streams.Offline;
using Aventora.Voice.Worker.Streams.Realtime;
using Aventora.Voice.Worker.Streams.Speech;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// The clock a stream's audio is paced by (<see cref="AudioPace"/>): the process's own, unless a test stops it for the streams
/// alone, so the rest of the worker (placing calls, pacing senders, the reconciler) keeps real time.
/// </summary>
public sealed record StreamClock(TimeProvider Time);

public static class VoiceStreamsExtensions
{
    /// <summary>Media Streams: options checked at startup, the speech pipeline they choose, capacity, tokens and metrics.</summary>
    public static IServiceCollection AddVoiceStreams(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VoiceStreamOptions>().Bind(configuration.GetSection(VoiceStreamOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new StreamClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<StreamToken>();
        services.AddSingleton<StreamCapacity>();
        services.AddSingleton<StreamMetrics>();
        services.AddSingleton<StreamTwiml>();
        services.AddSingleton<StreamConversationFactory>();
        services.AddSingleton<PhraseBook>();
        services.AddSingleton<OfflineSpeechPipeline>();
        services.AddSingleton<RealtimeSpeechPipeline>();
        services.AddSingleton<ISpeechPipeline>(sp => sp.GetRequiredService<IOptions<VoiceStreamOptions>>().Value.Pipeline == "realtime"
            ? sp.GetRequiredService<RealtimeSpeechPipeline>()
            : sp.GetRequiredService<OfflineSpeechPipeline>());
        // Built at startup, so a missing phrase book stops the process instead of the first call.
        services.AddHostedService<SpeechPipelineCheck>();
        return services;
    }

    public static WebApplication MapVoiceStreams(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.MapMediaStreams();
        return app;
    }

    private sealed class SpeechPipelineCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<ISpeechPipeline>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
