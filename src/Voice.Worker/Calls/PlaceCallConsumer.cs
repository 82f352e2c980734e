using Aventora.Billing.Usage;
using Aventora.Contracts.Outbound;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults;
using Aventora.TwilioGateway;
using MassTransit;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.Voice.Worker.Calls;

/// <summary>
/// Places a request's call (phone, or wvoice with whatsapp: addresses) through the domain's Twilio account, exactly once.
/// Twilio then fetches the call's TwiML from Ingress.Api and reports its lifecycle to the status callback.
/// A refused wvoice call ends with Twilio's reason; it is never turned into a plain phone call.
/// </summary>
public sealed class PlaceCallConsumer(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, TwilioClientFactory twilio,
    RequestBilling billing, IOptions<IngressOptions> ingress, ILogger<PlaceCallConsumer> logger) : IConsumer<PlaceCall>
{
    private static readonly List<string> LifecycleEvents = ["initiated", "ringing", "answered", "completed"];

    public async Task Consume(ConsumeContext<PlaceCall> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        if (!await callLogs.TryMoveAsync(command.RequestId, [CallLogStatus.Received, CallLogStatus.Routed], CallLogStatus.Sending, ct))
        {
            logger.LogInformation("Call already placed or being placed; duplicate command ignored");
            return;
        }

        try
        {
            var config = await twilioConfigs.GetTwilioConfigAsync(command.DomainName, command.Channel, ct);
            if (config.Config is null)
            {
                await callLogs.RecordFailureAsync(command.RequestId, CallLogStatus.Failed, config.FailureCode!, config.FailureReason!, ct);
                await billing.ReleaseAsync(command.RequestId, ct);
                logger.LogWarning("Call not placed: {FailureReason}", config.FailureReason);
                return;
            }

            var options = new CreateCallOptions(
                new PhoneNumber(TwilioAddress.For(command.Channel, command.PhoneNumber)),
                new PhoneNumber(TwilioAddress.For(command.Channel, config.Config.FromNumber)))
            {
                Url = ingress.Value.Url($"/voice/twiml/{command.RequestId}"),
                Method = Twilio.Http.HttpMethod.Post,
                StatusCallback = ingress.Value.Url("/twilio/status/call"),
                StatusCallbackMethod = Twilio.Http.HttpMethod.Post,
                StatusCallbackEvent = LifecycleEvents,
            };
            var call = await CallResource.CreateAsync(options, twilio.Create(config.Config));
            await callLogs.RecordTwilioAcceptedAsync(command.RequestId, call.Sid, call.Status.ToString(), ct);
            logger.LogInformation("Twilio accepted {Channel} call {CallSid} from account {AccountSid}", command.Channel, call.Sid, config.Config.AccountSid);
        }
        catch (ApiException api) when (!TwilioFailure.IsTransient(api))
        {
            var failure = TwilioFailure.Permanent(api);
            await callLogs.RecordFailureAsync(command.RequestId, CallLogStatus.Failed, failure.Code, failure.Message, ct);
            await billing.ReleaseAsync(command.RequestId, ct);
            logger.LogWarning("Twilio refused the call: {FailureReason}", failure.Message);
        }
        catch (Exception e)
        {
            await callLogs.TryMoveAsync(command.RequestId, [CallLogStatus.Sending], CallLogStatus.Routed, CancellationToken.None);
            logger.LogWarning("Placing the call failed for now ({Reason}); it will be retried", e.GetType().Name);
            throw;
        }
    }
}
