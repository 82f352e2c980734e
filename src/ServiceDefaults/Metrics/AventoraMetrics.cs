using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Aventora.ServiceDefaults.Metrics;

/// <summary>
/// Aventora's own instruments (meter <c>Aventora</c>), exported with the rest at <c>/metrics</c>. Labels are low-cardinality
/// on purpose: channel, source, outcome, error code, never a domain, number or request id. One meter per process, as
/// MassTransit's: several hosts in one process (the tests) then share its instruments instead of shadowing each other's.
/// </summary>
public sealed class AventoraMetrics
{
    public const string MeterName = "Aventora";

    private static readonly Meter _meter = new(MeterName);
    private static readonly Counter<long> _requestsAccepted;
    private static readonly Counter<long> _outboundAttempts;
    private static readonly Histogram<double> _twilioDuration;
    private static readonly Counter<long> _creditsReserved;
    private static readonly Counter<long> _creditsCharged;
    private static readonly Counter<long> _statusWebhookDeliveries;
    private static readonly Counter<long> _requestsRateLimited;

    static AventoraMetrics()
    {
        _requestsAccepted = _meter.CreateCounter<long>("aventora.requests.accepted", "{request}",
            "Requests Ingress published to the broker, by channel and source (api, csv, email).");
        _outboundAttempts = _meter.CreateCounter<long>("aventora.outbound.attempts", "{attempt}",
            "Messages sent and calls placed through Twilio, by channel, outcome (sent, refused, failed) and error code.");
        _twilioDuration = _meter.CreateHistogram<double>("aventora.twilio.request.duration", "s",
            "How long Twilio took to answer a create call (message or call), by channel and outcome.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _creditsReserved = _meter.CreateCounter<long>("aventora.credits.reserved", "{credit}",
            "Credits the Dispatcher reserved before routing a request, by channel.");
        _creditsCharged = _meter.CreateCounter<long>("aventora.credits.charged", "{credit}",
            "Credits written to the ledger for billable acts, by channel.");
        _statusWebhookDeliveries = _meter.CreateCounter<long>("aventora.status_webhook.deliveries", "{delivery}",
            "POSTs of status events to customer endpoints, by outcome (delivered, retrying, given_up).");
        _requestsRateLimited = _meter.CreateCounter<long>("aventora.requests.rate_limited", "{request}",
            "Requests Ingress refused with 429, by the budget they spent (anonymous, twilio, api_key).");
    }

    public void RequestAccepted(string channel, string source) =>
        _requestsAccepted.Add(1, new TagList { { "channel", channel }, { "source", source } });

    public void OutboundAttempt(string channel, string outcome, string? errorCode) =>
        _outboundAttempts.Add(1, new TagList { { "channel", channel }, { "outcome", outcome }, { "error_code", errorCode ?? "" } });

    public void TwilioRequest(string channel, string outcome, TimeSpan duration) =>
        _twilioDuration.Record(duration.TotalSeconds, new TagList { { "channel", channel }, { "outcome", outcome } });

    public void CreditsReserved(string channel, long credits) => _creditsReserved.Add(credits, new TagList { { "channel", channel } });

    public void CreditsCharged(string? channel, long credits) => _creditsCharged.Add(credits, new TagList { { "channel", channel ?? "" } });

    public void RequestRateLimited(string limit) => _requestsRateLimited.Add(1, new TagList { { "limit", limit } });

    public void StatusWebhookDelivery(string outcome) => _statusWebhookDeliveries.Add(1, new TagList { { "outcome", outcome } });
}
