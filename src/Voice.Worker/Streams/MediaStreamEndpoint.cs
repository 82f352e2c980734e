using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// <c>/voice/stream/{requestId}</c>: Twilio opens a stream-mode call's Media Stream here. Twilio cannot put anything secret in
/// the URL or headers, so the stream is admitted on its <c>start</c> message: the signed token and the request id it carries
/// (the TwiML's <c>&lt;Parameter&gt;</c>s), an existing voice request, and the account that placed its call. A bad stream is
/// closed with 1008 and leaves no trace on the request; a full process refuses it (the call falls back to Gather).
/// </summary>
public static class MediaStreamEndpoint
{
    public static IEndpointRouteBuilder MapMediaStreams(this IEndpointRouteBuilder app)
    {
        app.Map("/voice/stream/{requestId:guid}", AcceptAsync);
        return app;
    }

    private static async Task AcceptAsync(
        HttpContext context, Guid requestId, StreamCapacity capacity, StreamConversationFactory conversations, StreamMetrics metrics,
        CallLogRepository callLogs, TwilioConfigProvider configs, StreamToken tokens, VoiceStreamRepository streams,
        IOptions<VoiceStreamOptions> options, ILogger<StreamConversation> logger)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }
        using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
        var socket = new TwilioStreamSocket(webSocket);
        var ct = context.RequestAborted;

        var start = await ReadStartAsync(socket, options.Value.StartTimeout, ct);
        var streamSid = TwilioStreamSocket.Text(start?["streamSid"]) ?? "";
        var callSid = TwilioStreamSocket.Text(start?["callSid"]) ?? "";
        var parameters = start?["customParameters"] as JsonObject;
        var log = await callLogs.FindAsync(requestId, ct);
        var account = log is null || log.Channel is not ("phone" or "wvoice") ? null
            : (await configs.GetTwilioConfigAsync(log.DomainName, log.Channel, ct)).Config;
        var refusal = start is null ? "no start message"
            : TwilioStreamSocket.Text(parameters?["requestId"]) != requestId.ToString() ? "request id parameter does not match the URL"
            : !tokens.IsValid(requestId, TwilioStreamSocket.Text(parameters?["token"])) ? "token invalid or expired"
            : log is null || account is null ? "not a known voice request"
            : account.AccountSid != TwilioStreamSocket.Text(start["accountSid"]) ? "account does not match the call's"
            : log.TwilioSid is { } sid && sid != callSid ? "call SID does not match the request's"
            : null;
        if (refusal is not null)
        {
            logger.LogWarning("Rejected a Media Stream for {RequestId}: {Reason}", requestId, refusal);
            metrics.Ended("rejected", wasOpen: false);
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "stream refused");
            return;
        }

        socket.StreamSid = streamSid;
        if (!capacity.TryEnter())
        {
            logger.LogWarning("Refused the Media Stream {StreamSid} of request {RequestId}: {Active} streams are open; the call falls back to Gather",
                streamSid, requestId, capacity.Active);
            await streams.RefuseAsync(requestId, log!.DomainName, streamSid, callSid, ct); // before the close: the next TwiML fetch reads it
            metrics.Ended("refused", wasOpen: false);
            await socket.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "at capacity");
            return;
        }
        try
        {
            await conversations.Create(socket, log!, streamSid, callSid).RunAsync(ct);
        }
        finally
        {
            capacity.Exit();
        }
    }

    /// <summary>Twilio sends <c>connected</c>, then <c>start</c>; returns start's object, or null when it does not come in time.</summary>
    private static async Task<JsonObject?> ReadStartAsync(TwilioStreamSocket socket, TimeSpan timeout, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var message = await socket.ReceiveAsync(wait.Token);
                if (message is null) return null;
                if (TwilioStreamSocket.Text(message["event"]) == "start" && message["start"] is JsonObject start) return start;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or InvalidDataException or System.Text.Json.JsonException)
        {
            // Treated as no start: refused.
        }
        return null;
    }
}
