using Aventora.Contracts.Outbound;
using Aventora.Domains.Campaigns;
using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using Aventora.Outbound.Attempts;
using Aventora.Outbound.Campaigns;
using Aventora.Persistence.Campaigns;
using Aventora.ServiceDefaults;
using Aventora.TwilioGateway;
using MassTransit;
using Microsoft.Extensions.Options;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.Voice.Worker.Calls;

/// <summary>
/// Places a request's call (phone, or wvoice with whatsapp: addresses) through the domain's Twilio account, at most once
/// (<see cref="OutboundAttempt"/>). Twilio then fetches the call's TwiML from Ingress.Api and reports its lifecycle to the
/// status callback, which names the request. A refused wvoice call ends with Twilio's reason; it is never turned into a phone call.
/// A phone call of a domain with <c>voicemail_mode</c> on asks for asynchronous answering machine detection
/// (<see cref="Voicemail.AnsweringMachineDetectedConsumer"/> acts on the result).
/// </summary>
public sealed class PlaceCallConsumer(
    OutboundAttempt attempt, TwilioClientFactory twilio, IOptions<IngressOptions> ingress, CampaignGate gate, DomainMetadataCache metadata)
    : IConsumer<PlaceCall>
{
    private static readonly List<string> LifecycleEvents = ["initiated", "ringing", "answered", "completed"];

    public async Task Consume(ConsumeContext<PlaceCall> context)
    {
        var command = context.Message;
        // A released hold is taken here; a paused or cancelled batch's row stops here.
        if (!await gate.MayGoAsync(context, command.RequestId, command.DomainName, command.BatchId, HoldKinds.PlaceCall)) return;
        var target = new OutboundTarget(command.RequestId, command.DomainName, command.Channel, command.PhoneNumber, command.SenderSlotAt);
        var voicemailMode = command.Channel == Contracts.Channels.Phone && command.DomainName is { } domain
            ? CampaignSettings.From(await metadata.GetDomainMetadataAsync(domain, context.CancellationToken)).VoicemailMode
            : VoicemailModes.Off;
        await attempt.RunAsync(target, new Call(twilio, ingress.Value, command, voicemailMode),
            gate.ControlsFor(context, command.RequestId, command.DomainName, command.BatchId, HoldKinds.PlaceCall, slot => command with { SenderSlotAt = slot }),
            context.CancellationToken);
    }

    private sealed class Call(TwilioClientFactory twilio, IngressOptions ingress, PlaceCall command, string voicemailMode) : OutboundSend
    {
        public override async Task<TwilioCreated> CreateAsync(TwilioConfig account, CancellationToken cancellationToken)
        {
            var options = new CreateCallOptions(
                new PhoneNumber(TwilioAddress.For(command.Channel, command.PhoneNumber)),
                new PhoneNumber(TwilioAddress.For(command.Channel, account.FromNumber)))
            {
                Url = ingress.For(command.RequestId, command.DomainName, command.Channel),
                Method = Twilio.Http.HttpMethod.Post,
                StatusCallback = ingress.For(StatusCallbackUrls.CallPath, command.RequestId, command.DomainName, command.Channel),
                StatusCallbackMethod = Twilio.Http.HttpMethod.Post,
                StatusCallbackEvent = LifecycleEvents,
            };
            if (voicemailMode != VoicemailModes.Off)
            {
                // Detection in the background, so a person hears the conversation at once; leaving a message waits for the beep.
                options.MachineDetection = voicemailMode == VoicemailModes.Message ? "DetectMessageEnd" : "Enable";
                options.AsyncAmd = "true";
                options.AsyncAmdStatusCallback = ingress.For(StatusCallbackUrls.MachineDetectionPath, command.RequestId, command.DomainName, command.Channel);
                options.AsyncAmdStatusCallbackMethod = Twilio.Http.HttpMethod.Post;
            }
            var call = await CallResource.CreateAsync(options, twilio.Create(account));
            return new TwilioCreated(call.Sid, call.Status.ToString());
        }
    }
}

/// <summary>The bulk lane's consumer (batch rows, queue <c>place-call-bulk</c>): the same work, apart from interactive requests.</summary>
public sealed class BulkPlaceCallConsumer(PlaceCallConsumer consumer) : IConsumer<PlaceCall>
{
    public Task Consume(ConsumeContext<PlaceCall> context) => consumer.Consume(context);
}
