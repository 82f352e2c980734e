using Aventora.Domains.Credentials;
using Aventora.ServiceDefaults;
using Aventora.TwilioGateway;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.Messaging.Worker.Messaging;

/// <summary>
/// Sends one sms or wmsg through an account: free text, or a content template. Twilio's errors go to the caller. The status
/// callback URL names the request (none for an assistant's reply), domain and channel (<see cref="StatusCallbackUrls"/>).
/// </summary>
public sealed class TwilioMessageSender(TwilioClientFactory twilio, IOptions<IngressOptions> ingress)
{
    public async Task<MessageResource> SendAsync(
        TwilioConfig account, string channel, string to, string? body, string? contentSid, string? contentVariables,
        Guid? requestId, string? domainName)
    {
        var options = new CreateMessageOptions(new PhoneNumber(TwilioAddress.For(channel, to)))
        {
            From = new PhoneNumber(TwilioAddress.For(channel, account.FromNumber)),
            StatusCallback = ingress.Value.For(StatusCallbackUrls.MessagePath, requestId, domainName, channel),
        };
        if (contentSid is not null)
        {
            options.ContentSid = contentSid;
            options.ContentVariables = contentVariables;
        }
        else
        {
            options.Body = body;
        }
        return await MessageResource.CreateAsync(options, twilio.Create(account));
    }
}
