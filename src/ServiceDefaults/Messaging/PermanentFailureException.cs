namespace Aventora.ServiceDefaults.Messaging;

/// <summary>
/// A failure no retry can mend (bad number, opted out, no credentials). Consumers record it and stop;
/// the retry policy never retries it. The message is safe to log: it never carries a secret.
/// </summary>
public sealed class PermanentFailureException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
