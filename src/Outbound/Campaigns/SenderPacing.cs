using System.Diagnostics;
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
    private static readonly Counter<long> Missed = Meter.CreateCounter<long>("aventora.pacing.missed", description: "Slots that slipped by (the process was held up) and were taken again.");
    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>("aventora.pacing.throttled", description: "Twilio 429/20429 answers, per sender.");

    /// <summary>
    /// Takes the sender's next slot and waits for it. Null when pacing is off. The create call must follow at once:
    /// <see cref="EnsureOnTimeAsync"/> just before it takes a new slot if the slot has slipped by.
    /// </summary>
    public async Task<SenderSlotTicket?> WaitForSlotAsync(string? domainName, string channel, string senderNumber, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return null;
        var rate = await RateAsync(domainName, channel, senderNumber, cancellationToken);
        var ticket = new SenderSlotTicket(senderNumber, TimeSpan.FromSeconds((1 + settings.SafetyMargin) / rate));
        await TakeAndWaitAsync(ticket, cancellationToken);
        return ticket;
    }

    /// <summary>
    /// A slot is only good just after its time: if the process was held up (a stalled machine, a slow database) and the slot has
    /// slipped by more than <see cref="PacingOptions.LateTolerance"/>, sending now could put more than the rate into one second
    /// together with the sends of the slots after it. So a late ticket takes a new slot and waits again.
    /// </summary>
    public async Task EnsureOnTimeAsync(SenderSlotTicket? ticket, CancellationToken cancellationToken)
    {
        if (ticket is null) return;
        while (Stopwatch.GetElapsedTime(ticket.DueTimestamp) > options.Value.LateTolerance)
        {
            Missed.Add(1, new KeyValuePair<string, object?>("sender", ticket.SenderNumber));
            await TakeAndWaitAsync(ticket, cancellationToken);
        }
    }

    private async Task TakeAndWaitAsync(SenderSlotTicket ticket, CancellationToken cancellationToken)
    {
        var slot = await pacing.TakeSlotAsync(ticket.SenderNumber, ticket.Spacing, ticket.Spacing * options.Value.ThrottleSlowdown, cancellationToken);
        var wait = slot.Wait;
        ticket.DueTimestamp = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        WaitMs.Record(wait.TotalMilliseconds, new KeyValuePair<string, object?>("sender", ticket.SenderNumber));
        ticket.Waited += wait;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
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

/// <summary>A sender's slot taken by one send attempt: when (on this process's monotonic clock) the create call is due.</summary>
public sealed class SenderSlotTicket(string senderNumber, TimeSpan spacing)
{
    public string SenderNumber { get; } = senderNumber;
    public TimeSpan Spacing { get; } = spacing;
    public long DueTimestamp { get; set; }
    /// <summary>How long the attempt has waited for slots in all.</summary>
    public TimeSpan Waited { get; set; }
}
