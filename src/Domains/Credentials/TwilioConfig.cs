namespace Aventora.Domains.Credentials;

/// <summary>
/// The Twilio account, and sender number, a request of one domain and channel is sent with.
/// <see cref="AuthToken"/> is a secret: <see cref="ToString"/> leaves it out, and it never travels on the broker.
/// </summary>
public sealed record TwilioConfig(string AccountSid, string AuthToken, string FromNumber, string CredentialSource)
{
    public override string ToString() => $"TwilioConfig {{ AccountSid = {AccountSid}, FromNumber = {FromNumber}, CredentialSource = {CredentialSource} }}";
}

/// <summary>What <c>get_twilio_config</c> answers: the config, or why there is none (no secret in the reason).</summary>
public sealed record TwilioConfigResult(TwilioConfig? Config, string? FailureCode, string? FailureReason)
{
    public static TwilioConfigResult Found(TwilioConfig config) => new(config, null, null);
    public static TwilioConfigResult Missing(string code, string reason) => new(null, code, reason);
}
