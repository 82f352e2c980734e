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
    public string[] Channels { get; } = [Contracts.Channels.Phone, Contracts.Channels.WhatsAppVoice];

    public async Task<IReadOnlyList<TwilioResource>> FindCreatedAsync(
        TwilioConfig account, string channel, string to, string from, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var page = await CallResource.ReadAsync(new ReadCallOptions
        {
            To = new PhoneNumber(TwilioAddress.For(channel, to)),
            From = new PhoneNumber(TwilioAddress.For(channel, from)),
            PageSize = TwilioListing.PageSize,
            Limit = TwilioListing.MostRecords,
        }, twilio.Create(account));
        return TwilioListing.CreatedSince(page.Select(ToResource), since);
    }

    /// <summary>
    /// The call as Twilio has it. The Call resource carries no error, so a completed call's Notifications are read too: a TwiML
    /// application error (11200 and the like) there means Twilio hung up on our side's fault, which the status consumer settles as
    /// failed and unbilled, exactly as the completed callback carrying that ErrorCode would have.
    /// </summary>
    public async Task<TwilioResource> FetchAsync(TwilioConfig account, string sid, CancellationToken cancellationToken)
    {
        var client = twilio.Create(account);
        var call = ToResource(await CallResource.FetchAsync(new FetchCallOptions(sid), client));
        if (call.Status != "completed") return call;
        var errors = await Twilio.Rest.Api.V2010.Account.Call.NotificationResource.ReadAsync(
            new Twilio.Rest.Api.V2010.Account.Call.ReadNotificationOptions(sid) { Log = 0, PageSize = 20, Limit = 20 }, client);
        var applicationError = errors.Where(n => TwilioDeliveryErrors.IsApplicationError(n.ErrorCode)).MinBy(n => n.MessageDate);
        return applicationError is null ? call : call with { ErrorCode = applicationError.ErrorCode, ErrorMessage = MessageOf(applicationError.MessageText) };
    }

    // Twilio's message_text is form-encoded ("Msg=HTTP+retrieval+failure&url=…"): its Msg is the readable part.
    private static string? MessageOf(string? text) =>
        text is null ? null : System.Web.HttpUtility.ParseQueryString(text)["Msg"] ?? text;

    public Task ReportAsync(IPublishEndpoint publish, Guid requestId, string? domainName, string channel, TwilioResource resource,
        CancellationToken cancellationToken) =>
        publish.Publish(new CallStatusReported
        {
            CallSid = resource.Sid, AccountSid = "", Status = resource.Status, DurationSeconds = resource.DurationSeconds,
            ErrorCode = resource.ErrorCode, ErrorMessage = resource.ErrorMessage,
            RequestId = requestId, DomainName = domainName, Channel = channel, ReportedAt = DateTimeOffset.UtcNow,
        }, cancellationToken);

    // A call is billed when it has connected, which its status reports tell.
    public Task AcceptedAsync(IPublishEndpoint publish, CallLog request, string sid, CancellationToken cancellationToken) => Task.CompletedTask;

    private static TwilioResource ToResource(CallResource c) => new(
        c.Sid, c.Status.ToString(), TwilioListing.Utc(c.DateCreated),
        ErrorCode: null, ErrorMessage: null, DurationSeconds: int.TryParse(c.Duration, out var seconds) ? seconds : null);
}
