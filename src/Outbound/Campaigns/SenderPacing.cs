using System.Diagnostics.Metrics;
using Aventora.Domains.Campaigns;
using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using Aventora.Persistence.Campaigns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aventora.Outbound.Campaigns;

/// <summary>
/// Keeps each sender number to its rate across every worker copy: before the create call the attempt takes the sender's next slot
/// in PostgreSQL (<see cref="SenderPacingRepository"/>) and waits for it. The rate is the domain's
/// <c>{prefix}_rate_per_second</c> for that channel's number, else the default of the number's kind. A 429/20429 from Twilio pushes
/// the sender's next slot back and spaces its slots wider for a while. Figures: the <c>Aventora.Outbound</c> meter
/// (<c>aventora.pacing.wait</c>, <c>aventora.pacing.throttled</c>) and <c>sender_pacing.throttle_count</c>.
/// </summary>
public sealed class SenderPacing(
    SenderPacingRepository pacing, DomainMetadataCache metadata, IOptions<PacingOptions> options, ILogger<SenderPacing> logger)
{
    private static readonly Meter Meter = new("Aventora.Outbound");
    private static readonly Histogram<double> WaitMs = Meter.CreateHistogram<double>("aventora.pacing.wait", "ms", "How long a create call waited for its sender's slot.");
    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>("aventora.pacing.throttled", description: "Twilio 429/20429 answers, per sender.");

    /// <summary>Waits until the sender may send again; returns how long it waited.</summary>
    public async Task<TimeSpan> WaitForSlotAsync(string? domainName, string channel, string senderNumber, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return TimeSpan.Zero;
        var rate = await RateAsync(domainName, channel, senderNumber, cancellationToken);
        var spacing = TimeSpan.FromSeconds((1 + settings.SafetyMargin) / rate);
        var slot = await pacing.TakeSlotAsync(senderNumber, spacing, spacing * settings.ThrottleSlowdown, cancellationToken);
        var wait = slot.Wait;
        WaitMs.Record(wait.TotalMilliseconds, new KeyValuePair<string, object?>("sender", senderNumber));
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
        return wait;
    }

    /// <summary>Twilio throttled this sender: slow it down for everyone.</summary>
    public async Task ThrottledAsync(string senderNumber, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Throttled.Add(1, new KeyValuePair<string, object?>("sender", senderNumber));
        var count = await pacing.RecordThrottledAsync(senderNumber, settings.ThrottleBackoff, settings.ThrottleWindow, cancellationToken);
        logger.LogWarning("Twilio throttled sender {SenderNumber} ({ThrottleCount} times so far); its next slot is {BackoffSeconds} s away",
            senderNumber, count, settings.ThrottleBackoff.TotalSeconds);
    }

    /// <summary>Sends per second for this sender: the domain's setting for the channel's number, else the default of its kind.</summary>
    public async Task<double> RateAsync(string? domainName, string channel, string senderNumber, CancellationToken cancellationToken)
    {
        var domain = string.IsNullOrWhiteSpace(domainName) ? null : await metadata.GetDomainMetadataAsync(domainName, cancellationToken);
        if (CampaignSettings.From(domain).RateFor(TwilioConfigResolver.KeyPrefix(channel)) is { } configured) return configured;
        var settings = options.Value;
        return SenderKinds.Of(channel, senderNumber) switch
        {
            SenderKind.TollFree => settings.TollFreePerSecond,
            SenderKind.ShortCode => settings.ShortCodePerSecond,
            SenderKind.WhatsApp => settings.WhatsAppPerSecond,
            _ => settings.LongCodePerSecond,
        };
    }
}
