using Aventora.Billing.Usage;
using Aventora.Contracts;
using Aventora.Contracts.Messaging;
using Aventora.Domains.Credentials;
using Aventora.Outbound.Reconciliation;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.Messaging.Worker.Reconciliation;

/// <summary>Twilio's Messages list and fetch, for the reconciler of sms and wmsg requests.</summary>
public sealed class MessageLookup(TwilioClientFactory twilio, RequestBilling billing) : ITwilioLookup
{
    public string[] Channels { get; } = [Contracts.Channels.Sms, Contracts.Channels.WhatsAppMessage];

    public async Task<IReadOnlyList<TwilioResource>> FindCreatedAsync(
        TwilioConfig account, string channel, string to, string from, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var page = await MessageResource.ReadAsync(new ReadMessageOptions
        {
            To = new PhoneNumber(TwilioAddress.For(channel, to)),
            From = new PhoneNumber(TwilioAddress.For(channel, from)),
            PageSize = TwilioListing.PageSize,
            Limit = TwilioListing.MostRecords,
        }, twilio.Create(account));
        return TwilioListing.CreatedSince(page.Select(ToResource), since);
    }

    public async Task<TwilioResource> FetchAsync(TwilioConfig account, string sid, CancellationToken cancellationToken) =>
        ToResource(await MessageResource.FetchAsync(new FetchMessageOptions(sid), twilio.Create(account)));

    public Task ReportAsync(IPublishEndpoint publish, Guid requestId, string? domainName, string channel, TwilioResource resource,
        CancellationToken cancellationToken) =>
        publish.Publish(new MessageStatusReported
        {
            MessageSid = resource.Sid, AccountSid = "", Status = resource.Status, ErrorCode = resource.ErrorCode,
            RequestId = requestId, DomainName = domainName, Channel = channel, ReportedAt = DateTimeOffset.UtcNow,
        }, cancellationToken);

    public Task AcceptedAsync(IPublishEndpoint publish, CallLog request, string sid, CancellationToken cancellationToken) =>
        billing.MessageSentAsync(publish, request.Id, request.DomainName, request.Channel, request.Type, sid, cancellationToken);

    private static TwilioResource ToResource(MessageResource m) => new(
        m.Sid, m.Status.ToString(), TwilioListing.Utc(m.DateCreated),
        m.ErrorCode?.ToString(), m.ErrorMessage, DurationSeconds: null);
}
