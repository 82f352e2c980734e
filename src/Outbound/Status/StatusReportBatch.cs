using Aventora.Persistence.CallLogs;
using MassTransit;
using SerilogLogContext = Serilog.Context.LogContext;

namespace Aventora.Outbound.Status;

/// <summary>Where a Twilio status report comes from: the request its callback URL names (null for older URLs and assistant replies), and the signing domain and channel.</summary>
public readonly record struct ReportOrigin(Guid? RequestId, string? DomainName, string? Channel);

/// <summary>
/// Applies a batch of Twilio status reports (messages' or calls'): those naming a request together, in one statement per round
/// (<see cref="CallLogStatusRepository.ApplyToRequestsAsync"/>), the others one by one by SID within their domain; then
/// hands each report with what it left on its request to the consumer's follow-up (its log line, billing, opt-out). Every line
/// written about a report carries its request id.
/// </summary>
public static class StatusReportBatch
{
    /// <param name="read">The report as the lifecycle takes it, or null when it is no status of its kind (the reader logs why).</param>
    /// <param name="follow">What follows from a report once applied; the applied row is null when it named no request of its domain.</param>
    public static async Task ApplyAsync<T>(
        this CallLogStatusRepository statuses, IEnumerable<ConsumeContext<T>> batch, Func<T, ReportOrigin> origin, Func<T, StatusReport?> read,
        Func<ConsumeContext<T>, StatusReport, StatusApplied?, Task> follow, CancellationToken cancellationToken) where T : class
    {
        var toRequests = new Dictionary<RequestStatusReport, ConsumeContext<T>>(ReferenceEqualityComparer.Instance);
        foreach (var context in batch)
        {
            var (requestId, domainName, channel) = origin(context.Message);
            using var _ = SerilogLogContext.PushProperty("RequestId", requestId);
            if (read(context.Message) is not { } report) continue;
            if (requestId is { } id && channel is not null)
                toRequests.Add(new RequestStatusReport(id, domainName, channel, report), context);
            else
                await follow(context, report, await statuses.ApplyAsync(null, domainName, channel, report, cancellationToken));
        }

        var applied = new Dictionary<RequestStatusReport, StatusApplied>(ReferenceEqualityComparer.Instance);
        foreach (var (request, row) in await statuses.ApplyToRequestsAsync(toRequests.Keys, cancellationToken)) applied[request] = row;
        foreach (var (request, context) in toRequests)
        {
            using var _ = SerilogLogContext.PushProperty("RequestId", request.RequestId);
            await follow(context, request.Report, applied.GetValueOrDefault(request));
        }
    }
}
