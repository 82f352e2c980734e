using System.Text.Json;

namespace Aventora.TwilioEmulator.Wire;

/// <summary>One JSON shape for the admin API, shared by the server and <see cref="Inspection.EmulatorClient"/> so they cannot drift.</summary>
public static class EmulatorJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>snake_case like Twilio's own JSON; dictionary keys (form parameter names) stay untouched.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        return options;
    }
}
