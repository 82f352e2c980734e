using Aventora.Domains.Credentials;

namespace Aventora.Outbound.Reconciliation;

/// <summary>What Twilio's API says of one message or call.</summary>
public sealed record TwilioResource(
    string Sid, string Status, DateTimeOffset? DateCreated, string? ErrorCode, string? ErrorMessage, int? DurationSeconds);

/// <summary>
/// Asks Twilio's REST API (list and fetch, never create) about a worker's resources: messages for Messaging.Worker, calls for
/// Voice.Worker. The reconciler uses it to settle attempts whose answer was lost and requests whose status went quiet.
/// </summary>
public interface ITwilioLookup
{
    /// <summary>The channels whose requests this worker sends.</summary>
    string[] Channels { get; }

    /// <summary>Resources created from <paramref name="from"/> to <paramref name="to"/> (E.164) on the channel since <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<TwilioResource>> FindCreatedAsync(
        TwilioConfig account, string channel, string to, string from, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The resource as Twilio has it now.</summary>
    Task<TwilioResource> FetchAsync(TwilioConfig account, string sid, CancellationToken cancellationToken);

    /// <summary>Reports the status to the worker's own status consumer, as a callback would (so its effects live in one place).</summary>
    Task ReportAsync(MassTransit.IPublishEndpoint publish, Guid requestId, string? domainName, string channel, TwilioResource resource,
        CancellationToken cancellationToken);

    /// <summary>Bills what Twilio's acceptance bills for this kind of resource (a message; nothing for a call).</summary>
    Task AcceptedAsync(MassTransit.IPublishEndpoint publish, Persistence.CallLogs.CallLog request, string sid, CancellationToken cancellationToken);
}

/// <summary>What both lookups do with a Twilio list read: how much to read, and which resources an attempt may have made.</summary>
public static class TwilioListing
{
    /// <summary>Enough for any one attempt: a person rarely gets more than this from one sender within the look-back window.</summary>
    public const int MostRecords = 200;
    public const int PageSize = 50;

    /// <summary>The resources created since <paramref name="since"/> (or with no creation date yet), oldest first.</summary>
    public static IReadOnlyList<TwilioResource> CreatedSince(IEnumerable<TwilioResource> resources, DateTimeOffset since) =>
        resources.Where(r => r.DateCreated is null || r.DateCreated >= since).OrderBy(r => r.DateCreated).ToList();

    /// <summary>Twilio's dates, which the SDK gives as unspecified-kind UTC.</summary>
    public static DateTimeOffset? Utc(DateTime? date) => date is { } d ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null;
}
