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
/// in PostgreSQL (<see cref="SenderPacingRepository"/>) and waits for it, or, when the slot is further off than a consumer may wait,
/// the send is parked in the schedule with its slot and released just before it (one tenant's paced backlog never holds the workers
/// every tenant shares). The rate is the domain's
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
    /// The sender's slot for this send: the one a parked send already holds (<paramref name="heldSlot"/>), else the sender's next.
    /// Null when pacing is off. When <see cref="ParkUntil"/> says so the send is parked; otherwise <see cref="WaitAsync"/> follows,
    /// and <see cref="EnsureOnTimeAsync"/> just before the create call.
    /// </summary>
    public async Task<SenderSlotTicket?> TakeSlotAsync(
        string? domainName, string channel, string senderNumber, DateTimeOffset? heldSlot, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return null;
        var rate = await RateAsync(domainName, channel, senderNumber, cancellationToken);
        var ticket = new SenderSlotTicket(senderNumber, TimeSpan.FromSeconds((1 + settings.SafetyMargin) / rate));
        if (heldSlot is { } slotAt) ticket.DueAt(slotAt, slotAt - DateTimeOffset.UtcNow);
        else await TakeNextAsync(ticket, cancellationToken);
        return ticket;
    }

    /// <summary>
    /// When the slot is further off than <see cref="PacingOptions.ParkBeyond"/>: the time to release the parked send, a little before
    /// its slot (<see cref="PacingOptions.ReleaseAhead"/>). Null when the send may wait for its slot here.
    /// </summary>
    public DateTimeOffset? ParkUntil(SenderSlotTicket? ticket) =>
        ticket is not null && ticket.SlotAt - DateTimeOffset.UtcNow > options.Value.ParkBeyond ? ticket.SlotAt - options.Value.ReleaseAhead : null;

    /// <summary>Waits until the slot (never longer than <see cref="PacingOptions.ParkBeyond"/>: further slots are parked).</summary>
    public async Task WaitAsync(SenderSlotTicket? ticket, CancellationToken cancellationToken)
    {
        if (ticket is null) return;
        var wait = ticket.SlotAt - DateTimeOffset.UtcNow;
        WaitMs.Record(Math.Max(0, wait.TotalMilliseconds), new KeyValuePair<string, object?>("sender", ticket.SenderNumber));
        if (wait <= TimeSpan.Zero) return;
        ticket.Waited += wait;
        await Task.Delay(wait, cancellationToken);
    }

    /// <summary>
    /// A slot is only good just after its time: if the process was held up (a stalled machine, a slow database, a late release) and the
    /// slot has slipped by more than <see cref="PacingOptions.LateTolerance"/>, sending now could put more than the rate into one
    /// second together with the sends of the slots after it. So a late ticket takes a new slot and waits for it; false when that new
    /// slot is too far off to wait for (<see cref="ParkUntil"/>): the send is then parked.
    /// </summary>
    public async Task<bool> EnsureOnTimeAsync(SenderSlotTicket? ticket, CancellationToken cancellationToken)
    {
        if (ticket is null) return true;
        while (Stopwatch.GetElapsedTime(ticket.DueTimestamp) > options.Value.LateTolerance)
        {
            Missed.Add(1, new KeyValuePair<string, object?>("sender", ticket.SenderNumber));
            await TakeNextAsync(ticket, cancellationToken);
            if (ParkUntil(ticket) is not null) return false;
            await WaitAsync(ticket, cancellationToken);
        }
        return true;
    }

    private async Task TakeNextAsync(SenderSlotTicket ticket, CancellationToken cancellationToken)
    {
        var slot = await pacing.TakeSlotAsync(ticket.SenderNumber, ticket.Spacing, ticket.Spacing * options.Value.ThrottleSlowdown, cancellationToken);
        // The slot on this process's clocks: the database's wait from now, so a skew between the two clocks does not move it.
        ticket.DueAt(DateTimeOffset.UtcNow + slot.Wait, slot.Wait);
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

/// <summary>A sender's slot taken by one send attempt: when the create call is due, by the wall clock and this process's monotonic one.</summary>
public sealed class SenderSlotTicket(string senderNumber, TimeSpan spacing)
{
    public string SenderNumber { get; } = senderNumber;
    public TimeSpan Spacing { get; } = spacing;
    /// <summary>The slot (UTC): what a parked send carries (<c>SenderSlotAt</c>) to go at it when released.</summary>
    public DateTimeOffset SlotAt { get; private set; }
    public long DueTimestamp { get; private set; }
    /// <summary>How long the attempt has waited for slots in all.</summary>
    public TimeSpan Waited { get; set; }

    public void DueAt(DateTimeOffset slotAt, TimeSpan fromNow)
    {
        SlotAt = slotAt;
        DueTimestamp = Stopwatch.GetTimestamp() + (long)(fromNow.TotalSeconds * Stopwatch.Frequency);
    }
}
