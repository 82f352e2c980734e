using Aventora.Contracts;
using Aventora.Contracts.Messaging;
using Aventora.Contracts.Voice;
using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using Aventora.Ingress.Api.Publishing;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults;

namespace Aventora.Ingress.Api.Webhooks;

/// <summary>
/// Twilio's status callbacks for the messages and calls the workers started (<c>StatusCallback</c>). Each is checked against
/// the auth token of the account that sent the message or call, then handed to the workers through the broker, and answered
/// only once the broker confirmed it. The callback URL names the request, domain and channel (<see cref="StatusCallbackUrls"/>),
/// so the check uses the cached domain configuration and never waits on the database: a burst of callbacks cannot exhaust it,
/// and Twilio, which does not retry a status callback, never meets a 500 caused by it.
/// Forged, unsigned or unknown callbacks get 403 and publish nothing; an unconfirmed publish gets 503.
/// </summary>
public static class StatusCallbackEndpoints
{
    public static IEndpointRouteBuilder MapStatusCallbackEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/twilio/status/message", MessageStatusAsync).DisableAntiforgery();
        app.MapPost("/twilio/status/call", CallStatusAsync).DisableAntiforgery();
        app.MapPost(StatusCallbackUrls.MachineDetectionPath, MachineDetectionAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> MessageStatusAsync(
        HttpRequest request, StatusCallbackVerifier verifier, ConfirmedPublisher publisher, ILogger<MessageStatusReported> logger, CancellationToken ct)
    {
        var (callback, refusal) = await ReadVerifiedAsync(request, verifier, "MessageSid", ct);
        if (callback is null) return refusal!;
        var (form, sid, origin) = callback;

        var status = First(form, "MessageStatus", "SmsStatus")?.ToLowerInvariant();
        if (status is null) return Results.Problem(statusCode: 400, title: "MessageStatus is required.");
        var report = new MessageStatusReported
        {
            MessageSid = sid, AccountSid = form["AccountSid"].ToString(), Status = status,
            RequestId = origin.RequestId, DomainName = origin.DomainName, Channel = origin.Channel,
            ErrorCode = First(form, "ErrorCode"), ReportedAt = DateTimeOffset.UtcNow,
        };
        logger.LogInformation("Twilio reported message {MessageSid} {Status} {ErrorCode}", sid, status, report.ErrorCode);
        return await PublishAsync(publisher, report, ct);
    }

    private static async Task<IResult> CallStatusAsync(
        HttpRequest request, StatusCallbackVerifier verifier, ConfirmedPublisher publisher, ILogger<CallStatusReported> logger, CancellationToken ct)
    {
        var (callback, refusal) = await ReadVerifiedAsync(request, verifier, "CallSid", ct);
        if (callback is null) return refusal!;
        var (form, sid, origin) = callback;

        var status = First(form, "CallStatus")?.ToLowerInvariant();
        if (status is null) return Results.Problem(statusCode: 400, title: "CallStatus is required.");
        var report = new CallStatusReported
        {
            CallSid = sid, AccountSid = form["AccountSid"].ToString(), Status = status,
            RequestId = origin.RequestId, DomainName = origin.DomainName, Channel = origin.Channel,
            DurationSeconds = int.TryParse(First(form, "CallDuration"), out var seconds) && seconds >= 0 ? seconds : null,
            ErrorCode = First(form, "ErrorCode"), ErrorMessage = First(form, "ErrorMessage"),
            SequenceNumber = int.TryParse(First(form, "SequenceNumber"), out var sequence) ? sequence : null,
            ReportedAt = DateTimeOffset.UtcNow,
        };
        logger.LogInformation("Twilio reported call {CallSid} {Status} ({DurationSeconds} s) {ErrorCode}", sid, status, report.DurationSeconds, report.ErrorCode);
        return await PublishAsync(publisher, report, ct);
    }

    /// <summary>Twilio's answering machine detection result (AsyncAmdStatusCallback), checked like a status callback.</summary>
    private static async Task<IResult> MachineDetectionAsync(
        HttpRequest request, StatusCallbackVerifier verifier, ConfirmedPublisher publisher, ILogger<AnsweringMachineDetected> logger, CancellationToken ct)
    {
        var (callback, refusal) = await ReadVerifiedAsync(request, verifier, "CallSid", ct);
        if (callback is null) return refusal!;
        var (form, sid, origin) = callback;
        if (origin.RequestId is not { } requestId)
            return Results.Problem(statusCode: 400, title: "The detection callback URL names no request.");

        var answeredBy = First(form, "AnsweredBy")?.ToLowerInvariant();
        if (answeredBy is null || !AnsweredByValues.All.Contains(answeredBy))
            return Results.Problem(statusCode: 400, title: $"AnsweredBy must be one of {string.Join(", ", AnsweredByValues.All)}.");
        var detected = new AnsweringMachineDetected
        {
            RequestId = requestId, DomainName = origin.DomainName, Channel = origin.Channel, CallSid = sid, AnsweredBy = answeredBy,
            ReportedAt = DateTimeOffset.UtcNow,
        };
        logger.LogInformation("Twilio's detection answered call {CallSid} of request {RequestId}: {AnsweredBy}", sid, requestId, answeredBy);
        return await PublishAsync(publisher, detected, ct);
    }

    /// <summary>A genuine callback: its form, the SID it is about, and where it comes from.</summary>
    private sealed record VerifiedCallback(IFormCollection Form, string Sid, CallbackOrigin Origin);

    /// <summary>Reads a callback and checks it is Twilio's (<see cref="StatusCallbackVerifier"/>); otherwise the answer refusing it (415, 403).</summary>
    private static async Task<(VerifiedCallback? Callback, IResult? Refusal)> ReadVerifiedAsync(
        HttpRequest request, StatusCallbackVerifier verifier, string sidField, CancellationToken ct)
    {
        if (!request.HasFormContentType) return (null, NotForm());
        var form = await request.ReadFormAsync(ct);
        var sid = form[sidField].ToString();
        var origin = await verifier.VerifyAsync(request, form, sid, ct);
        return origin is null ? (null, Forbidden()) : (new VerifiedCallback(form, sid, origin), null);
    }

    private static async Task<IResult> PublishAsync<T>(ConfirmedPublisher publisher, T report, CancellationToken ct) where T : class =>
        await publisher.TryPublishAsync(report, ct)
            ? Results.NoContent()
            : Results.Problem(statusCode: 503, title: "The message broker is unavailable; the status was not recorded here. Aventora fetches it from Twilio once the request has gone quiet (Reconciler:QuietAfter).");

    private static string? First(IFormCollection form, params string[] names) =>
        names.Select(n => form[n].ToString()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static IResult NotForm() =>
        Results.Problem(statusCode: 415, title: "A status callback must be form-encoded (application/x-www-form-urlencoded), as Twilio sends it.");

    private static IResult Forbidden() =>
        Results.Problem(statusCode: 403, title: "The Twilio signature is missing or invalid, or the message or call is not known.");
}

/// <summary>Where a genuine callback comes from: its request (when the URL names one), domain and channel.</summary>
public sealed record CallbackOrigin(Guid? RequestId, string? DomainName, string Channel)
{
    /// <summary>A URL whose domain cannot be a domain's name: refused as it is, never looked up by SID instead.</summary>
    public static readonly CallbackOrigin Invalid = new(null, null, "");

    /// <summary>
    /// The origin a callback URL names (<see cref="StatusCallbackUrls"/>, <see cref="VoiceTwimlUrls"/>); null when it names no channel
    /// (a URL given to Twilio before its release), <see cref="Invalid"/> when its domain cannot be a domain's name.
    /// </summary>
    public static CallbackOrigin? FromUrl(IQueryCollection query)
    {
        var channel = query[StatusCallbackUrls.ChannelParameter].ToString();
        if (!Channels.ValidChannels.Contains(channel)) return null;
        var domain = query[StatusCallbackUrls.DomainParameter].ToString();
        Guid? requestId = Guid.TryParse(query[StatusCallbackUrls.RequestIdParameter].ToString(), out var id) ? id : null;
        if (string.IsNullOrEmpty(domain)) return new CallbackOrigin(requestId, null, channel);
        // A name that cannot be a domain's is refused before any lookup; a valid one is looked up in its one spelling.
        return DomainNames.Normalize(domain) is { } name ? new CallbackOrigin(requestId, name, channel) : Invalid;
    }
}

/// <summary>
/// Is this callback really Twilio's, about one of our messages or calls? X-Twilio-Signature must match the auth token of the account
/// that the URL's domain and channel send with (from the cached domain configuration), and the callback's AccountSid must be that
/// account. Callbacks to URLs without a channel (given to Twilio before release 1.19.0) are checked the old way, by finding the
/// SID in <c>call_logs</c>.
/// </summary>
public sealed class StatusCallbackVerifier(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, TwilioSignature signature, ILogger<StatusCallbackVerifier> logger)
{
    public async Task<CallbackOrigin?> VerifyAsync(HttpRequest request, IFormCollection form, string sid, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(sid) || string.IsNullOrEmpty(request.Headers[TwilioSignature.Header].ToString()))
        {
            logger.LogWarning("Status callback on {Path} refused: no SID or no signature", request.Path);
            return null;
        }
        var origin = CallbackOrigin.FromUrl(request.Query) ?? await FromCallLogAsync(sid, ct);
        if (origin is null || ReferenceEquals(origin, CallbackOrigin.Invalid))
        {
            logger.LogWarning("Status callback on {Path} refused: {TwilioSid} is not a known message or call", request.Path, sid);
            return null;
        }
        if (await twilioConfigs.VerifyWebhookAsync(origin.DomainName, origin.Channel, form["AccountSid"].ToString(),
                token => signature.IsValid(request, form, token), ct) is null)
        {
            logger.LogWarning("Status callback on {Path} for {TwilioSid} refused: account or signature does not match", request.Path, sid);
            return null;
        }
        return origin;
    }

    private async Task<CallbackOrigin?> FromCallLogAsync(string sid, CancellationToken ct) =>
        await callLogs.FindByTwilioSidAsync(sid, ct) is { } log ? new CallbackOrigin(log.Id, log.DomainName, log.Channel) : null;
}
