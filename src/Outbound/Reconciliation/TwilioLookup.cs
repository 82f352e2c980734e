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
