using System.ComponentModel.DataAnnotations;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// Binds the <c>VoiceStream</c> section: where Twilio opens a stream-mode call's Media Stream, how it is signed, how many
/// streams this process holds (in all and per domain), what a stream may send (message size, audio pace, a turn's length),
/// and which speech pipeline talks on them. Without <see cref="PublicBaseUrl"/> every call uses Gather.
/// </summary>
public sealed class VoiceStreamOptions : IValidatableObject
{
    public const string Section = "VoiceStream";

    /// <summary>The public ws(s):// base URL that reaches this process's <c>/voice/stream/{requestId}</c> (Twilio requires wss).</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The HMAC key of the stream tokens: a secret, never logged; the same in every Voice.Worker copy.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>How long a stream token is good for: Twilio connects right after it fetched the TwiML.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:30:00", ErrorMessage = "VoiceStream:TokenLifetime must be between 5 s and 30 min.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Streams this process holds at once; a call beyond it falls back to Gather.</summary>
    [Range(0, 100_000, ErrorMessage = "VoiceStream:MaxConcurrentStreams must be between 0 and 100000.")]
    public int MaxConcurrentStreams { get; set; } = 200;

    /// <summary>
    /// Streams one domain holds in this process at once, so one tenant cannot take every slot; beyond it that domain's calls
    /// fall back to Gather while other domains still get streams.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "VoiceStream:MaxStreamsPerDomain must be between 1 and 100000.")]
    public int MaxStreamsPerDomain { get; set; } = 100;

    /// <summary>The largest WebSocket message a stream may send (Twilio's are under 1 KiB); a larger one closes the stream with 1009.</summary>
    [Range(1024, 1024 * 1024, ErrorMessage = "VoiceStream:MaxMessageBytes must be between 1024 and 1048576.")]
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// How much audio a stream may send ahead of real time (a network hiccup delivers a backlog at once). Beyond it audio is
    /// dropped before it reaches the speech pipeline; a stream that has had this much dropped is closed (1008).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00", ErrorMessage = "VoiceStream:AudioBurst must be between 200 ms and 5 min.")]
    public TimeSpan AudioBurst { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times real time a stream may send audio: Twilio sends it in real time (1); more only for an emulator playing faster.</summary>
    [Range(1.0, 100.0, ErrorMessage = "VoiceStream:MaxAudioSpeed must be between 1 and 100.")]
    public double MaxAudioSpeed { get; set; } = 1.0;

    /// <summary>
    /// The most of the person's audio held for one turn; a turn that reaches it is cut there and answered, and the audio
    /// after it is dropped until the person is quiet (a noisy line cannot fill memory).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "VoiceStream:MaxBufferedAudio must be between 1 s and 5 min.")]
    public TimeSpan MaxBufferedAudio { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long Twilio may take between opening the WebSocket and its <c>start</c> message.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "VoiceStream:StartTimeout must be between 1 s and 1 min.")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>offline</c> (phrase book, DTMF and the configured assistant) or <c>realtime</c> (an OpenAI-compatible realtime endpoint).</summary>
    public string Pipeline { get; set; } = "offline";

    /// <summary>Offline pipeline: the silence that ends the person's turn (server-side turn detection).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:05", ErrorMessage = "VoiceStream:SilenceToEndTurn must be between 100 ms and 5 s.")]
    public TimeSpan SilenceToEndTurn { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Offline pipeline: the folder of recorded phrases (<c>phrases.tsv</c> and µ-law files); default: the ones shipped.</summary>
    public string? PhrasesFolder { get; set; }

    /// <summary>Said when a stream dropped before the conversation ended.</summary>
    public string DroppedMessage { get; set; } = "We are sorry, the line was interrupted. We will get back to you. Goodbye.";

    public RealtimeOptions Realtime { get; set; } = new();

    public bool StreamsEnabled => !string.IsNullOrWhiteSpace(PublicBaseUrl);

    public Uri StreamUrl(Guid requestId) => new(PublicBaseUrl!.TrimEnd('/') + $"/voice/stream/{requestId}");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StreamsEnabled && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss")))
            yield return new ValidationResult($"VoiceStream:PublicBaseUrl must be an absolute ws:// or wss:// URL (Twilio needs wss), not '{PublicBaseUrl}'.");
        if (StreamsEnabled && (SigningSecret?.Length ?? 0) < 32)
            yield return new ValidationResult("VoiceStream:SigningSecret must be at least 32 characters when VoiceStream:PublicBaseUrl is set.");
        if (Pipeline is not ("offline" or "realtime"))
            yield return new ValidationResult($"VoiceStream:Pipeline must be 'offline' or 'realtime', not '{Pipeline}'.");
        if (Pipeline == "realtime")
            foreach (var error in Realtime.Validate()) yield return error;
    }
}

/// <summary>The <c>VoiceStream:Realtime</c> section: any OpenAI-compatible realtime (speech-to-speech) WebSocket endpoint.</summary>
public sealed class RealtimeOptions
{
    /// <summary>The realtime WebSocket URL, e.g. wss://api.openai.com/v1/realtime (the model is added as ?model=).</summary>
    public string? Endpoint { get; set; }

    public string Model { get; set; } = "gpt-4o-realtime-preview";

    /// <summary>The endpoint's API key: a secret, never logged.</summary>
    public string? ApiKey { get; set; }

    public string Voice { get; set; } = "alloy";

    /// <summary>The model that transcribes the person's audio into their turns.</summary>
    public string TranscriptionModel { get; set; } = "whisper-1";

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss"))
            yield return new ValidationResult("VoiceStream:Realtime:Endpoint must be an absolute ws:// or wss:// URL (e.g. wss://api.openai.com/v1/realtime) when VoiceStream:Pipeline is 'realtime'.");
        if (string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult("VoiceStream:Realtime:ApiKey is required when VoiceStream:Pipeline is 'realtime'.");
        if (string.IsNullOrWhiteSpace(Model))
            yield return new ValidationResult("VoiceStream:Realtime:Model is required when VoiceStream:Pipeline is 'realtime'.");
    }
}
