using Aventora.Domains.Credentials;
using Twilio.Exceptions;

namespace Aventora.Outbound.Attempts;

/// <summary>What Twilio answered to a create call: the new resource's SID and first status.</summary>
public sealed record TwilioCreated(string Sid, string Status);

/// <summary>A request that ends without calling Twilio, with a status, a stable code and a sentence a person can act on.</summary>
public sealed record Refusal(string Status, string Code, string Reason);

/// <summary>
/// One channel's part of a send attempt (a message, a call), run by <see cref="OutboundAttempt"/>, which owns the rules:
/// claim, call Twilio once, record, bill, release. Made per command, so it may keep what it prepared for the create call.
/// </summary>
public abstract class OutboundSend
{
    /// <summary>Work before Twilio is called; a refusal ends the request there. May throw: the claim is given back and it is retried.</summary>
    public virtual Task<Refusal?> PrepareAsync(TwilioConfig account, CancellationToken cancellationToken) => Task.FromResult<Refusal?>(null);

    /// <summary>The one create call to Twilio.</summary>
    public abstract Task<TwilioCreated> CreateAsync(TwilioConfig account, CancellationToken cancellationToken);

    /// <summary>Twilio created it and its SID is recorded (first time, or a redelivery finding it so): record and bill, idempotently.</summary>
    public virtual Task AcceptedAsync(string sid, bool redelivered, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Twilio refused the create for good: what to record (by default failed, with Twilio's code and message).</summary>
    public virtual Task<Refusal> RefusedAsync(ApiException refusal, CancellationToken cancellationToken)
    {
        var failure = TwilioGateway.TwilioFailure.Permanent(refusal);
        return Task.FromResult(new Refusal(Persistence.CallLogs.CallLogStatus.Failed, failure.Code, failure.Message));
    }
}
