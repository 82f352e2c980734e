namespace Aventora.Contracts;

/// <summary>The channel vocabulary, the same everywhere: API, CSV, email pull, database constraint.</summary>
public static class Channels
{
    public const string Phone = "phone";
    public const string Sms = "sms";
    public const string WhatsAppMessage = "wmsg";
    public const string WhatsAppVoice = "wvoice";

    /// <summary><c>valid_channels</c>: exactly these four, lower case.</summary>
    public static readonly IReadOnlyList<string> ValidChannels = [Phone, Sms, WhatsAppMessage, WhatsAppVoice];
}

/// <summary>Where a request came from.</summary>
public static class RequestSources
{
    public const string Api = "api";
    public const string Csv = "csv";
    public const string Email = "email";
}
