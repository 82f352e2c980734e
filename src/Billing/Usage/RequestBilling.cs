using Aventora.Billing.Credits;
using Aventora.Contracts.Billing;
using MassTransit;

namespace Aventora.Billing.Usage;

/// <summary>
/// What the workers tell billing about a request: a message was sent or a call connected (a <see cref="UsageRecorded"/>, priced
/// here, with an id derived from the Twilio SID so a repeat bills nothing), or the request ended without anything to bill
/// (its reservation is released). Requests without a domain run on the environment's credentials and are not billed.
/// </summary>
public sealed class RequestBilling(PriceTable prices, CreditRepository credits, TimeProvider clock)
{
    /// <summary>An sms or wmsg message Twilio accepted: opening messages now, assistant replies as well.</summary>
    public Task MessageSentAsync(
        IPublishEndpoint publish, Guid requestId, string? domainName, string channel, string type, string messageSid, CancellationToken cancellationToken,
        Guid? holdId = null) =>
        RecordAsync(publish, requestId, domainName, channel, type, messageSid, UsageKinds.Message, cancellationToken, holdId);

    /// <summary>
    /// Holds a reply's price before it is sent (under <paramref name="holdId"/>, settled by the reply's usage), so assistant replies
    /// can never take a domain below zero: false when the domain cannot pay for it. Domains without enforcement, and requests
    /// without a domain, always may.
    /// </summary>
    public async Task<bool> TryHoldReplyAsync(Guid holdId, string? domainName, string channel, string type, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(domainName)
        || (await credits.ReserveAsync(domainName, holdId, prices.PriceOf(channel, type), cancellationToken)).Reserved;

    /// <summary>A phone or wvoice call that connected (completed with a duration above zero).</summary>
    public Task CallConnectedAsync(
        IPublishEndpoint publish, Guid requestId, string? domainName, string channel, string type, string callSid, CancellationToken cancellationToken) =>
        RecordAsync(publish, requestId, domainName, channel, type, callSid, UsageKinds.Call, cancellationToken);

    /// <summary>The request failed or its call never connected: whatever it still holds goes back to the domain. Safe to repeat.</summary>
    public Task ReleaseAsync(Guid requestId, CancellationToken cancellationToken) => credits.ReleaseAsync(requestId, cancellationToken);

    private async Task RecordAsync(
        IPublishEndpoint publish, Guid requestId, string? domainName, string channel, string type, string twilioSid, string kind,
        CancellationToken cancellationToken, Guid? holdId = null)
    {
        if (string.IsNullOrWhiteSpace(domainName)) return;
        await publish.Publish(new UsageRecorded
        {
            UsageId = UsageIds.For(twilioSid, kind),
            RequestId = requestId,
            DomainName = domainName,
            Channel = channel,
            Kind = kind,
            Type = type,
            Credits = prices.PriceOf(channel, type),
            TwilioSid = twilioSid,
            HoldId = holdId,
            OccurredAt = clock.GetUtcNow(),
        }, cancellationToken);
    }
}
