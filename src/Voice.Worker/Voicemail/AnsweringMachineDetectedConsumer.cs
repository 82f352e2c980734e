using Aventora.Contracts.Voice;
using Aventora.Domains.Campaigns;
using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.ServiceDefaults.Text;
using Aventora.TwilioGateway;
using MassTransit;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;

namespace Aventora.Voice.Worker.Voicemail;

/// <summary>
/// Acts on Twilio's answering machine detection for a request's phone call (asked for when the domain's <c>voicemail_mode</c> is
/// <c>message</c> or <c>hangup</c>): records <c>answered_by</c>, and on a machine updates the live call with the domain's voicemail
/// (<c>message</c>) or hangs up (<c>hangup</c>); a fax is always hung up on; a person, or an unknown answerer, goes on with the
/// conversation. The voicemail is written to the transcript. A redelivered result does nothing once the action is recorded; Twilio
/// answering 21220 means the call is already over, so there is nothing to do. Billing follows the call as Twilio connected it.
/// </summary>
public sealed class AnsweringMachineDetectedConsumer(
    MachineDetectionRepository detections, DomainMetadataCache metadata, TwilioConfigProvider configs, TwilioClientFactory twilio,
    ConversationTurnRepository turns, ILogger<AnsweringMachineDetectedConsumer> logger)
    : IConsumer<AnsweringMachineDetected>
{
    /// <summary>Twilio's error for updating a call that is no longer in progress.</summary>
    private const int CallNotInProgress = 21220;

    public async Task Consume(ConsumeContext<AnsweringMachineDetected> context)
    {
        var detected = context.Message;
        var ct = context.CancellationToken;
        var state = await detections.RecordAsync(detected.RequestId, detected.DomainName, detected.Channel, detected.CallSid, detected.AnsweredBy, ct);
        if (state is null)
        {
            logger.LogWarning("Detection result for call {CallSid} ignored: request {RequestId} is not that call's", detected.CallSid, detected.RequestId);
            return;
        }
        logger.LogInformation("Call {CallSid} of request {RequestId} was answered by {AnsweredBy}", detected.CallSid, detected.RequestId, state.AnsweredBy);
        if (state.MachineAction is not null || CallLogLifecycle.IsFinal(state.Status)) return;
        if (state.AnsweredBy is AnsweredByValues.Human or AnsweredByValues.Unknown) return;

        var settings = detected.DomainName is { } domain ? CampaignSettings.From(await metadata.GetDomainMetadataAsync(domain, ct)) : CampaignSettings.None;
        var leaveMessage = settings.VoicemailMode == VoicemailModes.Message && AnsweredByValues.IsMachine(state.AnsweredBy);
        var message = leaveMessage ? settings.VoicemailFor(detected.DomainName) : null;
        var account = (await configs.GetTwilioConfigAsync(detected.DomainName, detected.Channel, ct)).Config;
        if (account is null)
        {
            logger.LogWarning("Call {CallSid}: the domain's phone account is no longer configured; the call goes on as it is", detected.CallSid);
            return;
        }

        var update = new UpdateCallOptions(detected.CallSid);
        if (message is not null) update.Twiml = new Twilio.Types.Twiml(TwimlDocument.SayAndHangUp(message));
        else update.Status = CallResource.UpdateStatusEnum.Completed;
        try
        {
            await CallResource.UpdateAsync(update, twilio.Create(account));
        }
        catch (ApiException e) when (e.Code == CallNotInProgress)
        {
            logger.LogInformation("Call {CallSid} ended before its {Action} could be applied", detected.CallSid, message is null ? "hang-up" : "voicemail");
            return;
        }

        await detections.RecordActionAsync(detected.RequestId, message is null ? "hangup" : "voicemail", ct);
        if (message is not null) await turns.TryClaimAssistantAsync(detected.RequestId, message, $"voicemail:{detected.CallSid}", ct);
        logger.LogInformation("Call {CallSid}: {Action}", detected.CallSid, message is null ? "hung up on the machine" : "voicemail left");
    }
}
