using Aventora.Contracts.Voice;
using Aventora.Domains.Credentials;
using Aventora.Outbound.Reconciliation;
using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;
using MassTransit;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.Voice.Worker.Reconciliation;

/// <summary>Twilio's Calls list and fetch, for the reconciler of phone and wvoice requests.</summary>
public sealed class CallLookup(TwilioClientFactory twilio) : ITwilioLookup
{
    private const int MostRecords = 200;

    public string[] Channels { get; } = [Contracts.Channels.Phone, Contracts.Channels.WhatsAppVoice];

    public async Task<IReadOnlyList<TwilioResource>> FindCreatedAsync(
        TwilioConfig account, string channel, string to, string from, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var page = await CallResource.ReadAsync(new ReadCallOptions
        {
            To = new PhoneNumber(TwilioAddress.For(channel, to)),
            From = new PhoneNumber(TwilioAddress.For(channel, from)),
            PageSize = 50,
            Limit = MostRecords,
        }, twilio.Create(account));
        return page.Where(c => c.DateCreated is null || c.DateCreated >= since.UtcDateTime)
            .OrderBy(c => c.DateCreated).Select(ToResource).ToList();
    }

    public async Task<TwilioResource> FetchAsync(TwilioConfig account, string sid, CancellationToken cancellationToken) =>
        ToResource(await CallResource.FetchAsync(new FetchCallOptions(sid), twilio.Create(account)));

    public Task ReportAsync(IPublishEndpoint publish, Guid requestId, string? domainName, string channel, TwilioResource resource,
        CancellationToken cancellationToken) =>
        publish.Publish(new CallStatusReported
        {
            CallSid = resource.Sid, AccountSid = "", Status = resource.Status, DurationSeconds = resource.DurationSeconds,
            RequestId = requestId, DomainName = domainName, Channel = channel, ReportedAt = DateTimeOffset.UtcNow,
        }, cancellationToken);

    // A call is billed when it has connected, which its status reports tell.
    public Task AcceptedAsync(IPublishEndpoint publish, CallLog request, string sid, CancellationToken cancellationToken) => Task.CompletedTask;

    private static TwilioResource ToResource(CallResource c) => new(
        c.Sid, c.Status.ToString(), c.DateCreated is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
        ErrorCode: null, ErrorMessage: null, DurationSeconds: int.TryParse(c.Duration, out var seconds) ? seconds : null);
}
