using Aventora.Domains.Metadata;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults;
using Aventora.ServiceDefaults.Text;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// Decides whether a call is held on a Media Stream: its domain's <c>voice_mode</c> is <c>stream</c>, streams are configured,
/// and this process has room (in all, and for the domain). Then the call's TwiML is <c>&lt;Connect&gt;&lt;Stream&gt;</c> with the request id and a signed
/// token as parameters; the <c>&lt;Connect&gt;</c> action brings Twilio back (<c>?after=stream</c>) when the stream ends.
/// </summary>
public sealed class StreamTwiml(
    DomainMetadataCache domains, StreamCapacity capacity, StreamToken tokens, IOptions<VoiceStreamOptions> options,
    IOptions<IngressOptions> ingress, ILogger<StreamTwiml> logger)
{
    public const string VoiceModeKey = "voice_mode";

    /// <summary>The Connect/Stream document, or null when this call uses Gather.</summary>
    public async Task<string?> ForAsync(CallLog log, CancellationToken cancellationToken)
    {
        if (log.DomainName is null || !options.Value.StreamsEnabled) return null;
        DomainMetadata? domain;
        try
        {
            domain = await domains.GetDomainMetadataAsync(log.DomainName, cancellationToken);
        }
        catch (DomainSourceUnavailableException)
        {
            return null; // Gather needs nothing more from the domain: the safe choice now.
        }
        if (domain?.Technical(VoiceModeKey) != "stream") return null;
        if (!capacity.HasRoomFor(log.DomainName))
        {
            logger.LogWarning("Request {RequestId} asked for a Media Stream but this process holds {Active} streams, {DomainActive} of them for {DomainName}: using Gather",
                log.Id, capacity.Active, capacity.ActiveFor(log.DomainName), log.DomainName);
            return null;
        }

        var after = ingress.Value.For(log.Id, log.DomainName, log.Channel, afterStream: true).ToString();
        return TwimlDocument.Of(
            $"<Connect action=\"{XmlText.Escape(after)}\" method=\"POST\">" +
            $"<Stream url=\"{XmlText.Escape(options.Value.StreamUrl(log.Id).ToString())}\">" +
            $"<Parameter name=\"requestId\" value=\"{log.Id}\"/>" +
            $"<Parameter name=\"token\" value=\"{XmlText.Escape(tokens.Issue(log.Id))}\"/>" +
            "</Stream></Connect>");
    }
}
