using Aventora.Contracts.Messaging;
using Aventora.Contracts.Voice;
using Aventora.Domains.Credentials;
using Aventora.Ingress.Api.Publishing;
using Aventora.Persistence.CallLogs;

namespace Aventora.Ingress.Api.Webhooks;

/// <summary>
/// Twilio's status callbacks for the messages and calls the workers started (<c>StatusCallback</c>). Each is checked against
/// the auth token of the account that owns the message or call, then handed to the workers through the broker.
/// Forged, unsigned or unknown callbacks get 403 and publish nothing; an unconfirmed publish gets 503 so Twilio tries again.
/// </summary>
public static class StatusCallbackEndpoints
{
    public static IEndpointRouteBuilder MapStatusCallbackEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/twilio/status/message", MessageStatusAsync).DisableAntiforgery();
        app.MapPost("/twilio/status/call", CallStatusAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> MessageStatusAsync(
        HttpRequest request, StatusCallbackVerifier verifier, ConfirmedPublisher publisher, ILogger<MessageStatusReported> logger, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var sid = form["MessageSid"].ToString();
        if (!await verifier.IsGenuineAsync(request, form, sid, ct)) return Forbidden();

        var status = First(form, "MessageStatus", "SmsStatus")?.ToLowerInvariant();
        if (status is null) return Results.Problem(statusCode: 400, title: "MessageStatus is required.");
        var report = new MessageStatusReported
        {
            MessageSid = sid, AccountSid = form["AccountSid"].ToString(), Status = status,
            ErrorCode = First(form, "ErrorCode"), ReportedAt = DateTimeOffset.UtcNow,
        };
        logger.LogInformation("Twilio reported message {MessageSid} {Status} {ErrorCode}", sid, status, report.ErrorCode);
        return await PublishAsync(publisher, report, ct);
    }

    private static async Task<IResult> CallStatusAsync(
        HttpRequest request, StatusCallbackVerifier verifier, ConfirmedPublisher publisher, ILogger<CallStatusReported> logger, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var sid = form["CallSid"].ToString();
        if (!await verifier.IsGenuineAsync(request, form, sid, ct)) return Forbidden();

        var status = First(form, "CallStatus")?.ToLowerInvariant();
        if (status is null) return Results.Problem(statusCode: 400, title: "CallStatus is required.");
        var report = new CallStatusReported
        {
            CallSid = sid, AccountSid = form["AccountSid"].ToString(), Status = status,
            DurationSeconds = int.TryParse(First(form, "CallDuration"), out var seconds) && seconds >= 0 ? seconds : null,
            ErrorCode = First(form, "ErrorCode"), ErrorMessage = First(form, "ErrorMessage"),
            SequenceNumber = int.TryParse(First(form, "SequenceNumber"), out var sequence) ? sequence : null,
            ReportedAt = DateTimeOffset.UtcNow,
        };
        logger.LogInformation("Twilio reported call {CallSid} {Status} ({DurationSeconds} s) {ErrorCode}", sid, status, report.DurationSeconds, report.ErrorCode);
        return await PublishAsync(publisher, report, ct);
    }

    private static async Task<IResult> PublishAsync<T>(ConfirmedPublisher publisher, T report, CancellationToken ct) where T : class =>
        await publisher.TryPublishAsync(report, ct)
            ? Results.NoContent()
            : Results.Problem(statusCode: 503, title: "The message broker is unavailable; the status was not recorded. Twilio will try again.");

    private static string? First(IFormCollection form, params string[] names) =>
        names.Select(n => form[n].ToString()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static IResult Forbidden() =>
        Results.Problem(statusCode: 403, title: "The Twilio signature is missing or invalid, or the message or call is not known.");
}

/// <summary>
/// Is this callback really Twilio's, about one of our messages or calls? The SID must be in <c>call_logs</c>, the callback's
/// AccountSid must be the account the row's domain and channel send with, and X-Twilio-Signature must match that account's token.
/// </summary>
public sealed class StatusCallbackVerifier(
    CallLogRepository callLogs, TwilioConfigProvider twilioConfigs, TwilioSignature signature, ILogger<StatusCallbackVerifier> logger)
{
    public async Task<bool> IsGenuineAsync(HttpRequest request, IFormCollection form, string sid, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(sid) || string.IsNullOrEmpty(request.Headers[TwilioSignature.Header].ToString()))
        {
            logger.LogWarning("Status callback on {Path} refused: no SID or no signature", request.Path);
            return false;
        }
        var log = await callLogs.FindByTwilioSidAsync(sid, ct);
        if (log is null)
        {
            logger.LogWarning("Status callback on {Path} refused: {TwilioSid} is not a known message or call", request.Path, sid);
            return false;
        }
        var config = (await twilioConfigs.GetTwilioConfigAsync(log.DomainName, log.Channel, ct)).Config;
        if (config is null || !string.Equals(config.AccountSid, form["AccountSid"].ToString(), StringComparison.Ordinal)
            || !signature.IsValid(request, form, config.AuthToken))
        {
            logger.LogWarning("Status callback on {Path} for {TwilioSid} refused: account or signature does not match", request.Path, sid);
            return false;
        }
        return true;
    }
}
