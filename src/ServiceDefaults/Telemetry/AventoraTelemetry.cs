using System.Diagnostics;

namespace Aventora.ServiceDefaults.Telemetry;

/// <summary>Which Aventora service this process is: the OpenTelemetry resource's service.name and the <c>aventora.service</c> span attribute.</summary>
public sealed record ServiceIdentity(string Name);

/// <summary>The span attributes Aventora adds, so a trace can be found by the request or the domain it is about.</summary>
public static class AventoraTelemetry
{
    public const string RequestIdAttribute = "aventora.request_id";
    public const string DomainAttribute = "aventora.domain";
    public const string ChannelAttribute = "aventora.channel";
    public const string ServiceAttribute = "aventora.service";
    /// <summary>The requests a batch's span works on, when there are more than one.</summary>
    public const string RequestIdsAttribute = "aventora.request_ids";

    /// <summary>Tags the current span with the request it works on (no-op when nothing is traced).</summary>
    public static void TagRequest(Guid? requestId, string? domainName, string? channel = null)
    {
        if (Activity.Current is not { } activity) return;
        if (requestId is { } id) activity.SetTag(RequestIdAttribute, id.ToString());
        if (!string.IsNullOrEmpty(domainName)) activity.SetTag(DomainAttribute, domainName);
        if (!string.IsNullOrEmpty(channel)) activity.SetTag(ChannelAttribute, channel);
    }
}
