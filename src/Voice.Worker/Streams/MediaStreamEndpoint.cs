using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Aventora.Domains.Credentials;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Microsoft.Extensions.Options;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// <c>/voice/stream/{requestId}</c>: Twilio opens a stream-mode call's Media Stream here. Twilio cannot put anything secret in
/// the URL or headers, so the stream is admitted on its <c>start</c> message, cheapest check first: the signed token and the
/// request id it carries (the TwiML's <c>&lt;Parameter&gt;</c>s) before any database or cache work, then an existing voice
/// request and the account and call that placed it, then room in the process and in the domain's share of it, and last the
/// request's one stream, bound in <c>voice_streams</c> to this stream and call SID. A bad stream, or a second one for the same
/// request (a replayed token), is closed with 1008 and leaves no trace on the request; a full process or domain refuses it
/// (1001, the call falls back to Gather).
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
        var socket = new TwilioStreamSocket(webSocket, options.Value.MaxMessageBytes);
        var ct = context.RequestAborted;

        var start = await ReadStartAsync(socket, options.Value.StartTimeout, ct);
        var streamSid = TwilioStreamSocket.Text(start?["streamSid"]) ?? "";
        var callSid = TwilioStreamSocket.Text(start?["callSid"]) ?? "";
        CallLog? log = null;
        var refusal = Unsigned(start, requestId, tokens);
        if (refusal is null)
        {
            log = await callLogs.FindAsync(requestId, ct);
            refusal = await NotTheCallAsync(log, start!, callSid, configs, ct);
        }
        if (refusal is not null)
        {
            await RejectAsync(socket, requestId, refusal, metrics, logger);
            return;
        }

        socket.StreamSid = streamSid;
        using var slot = capacity.TryEnter(log!.DomainName);
        if (slot is null)
        {
            // Written before the close, so the next TwiML fetch reads it; never over the row of a stream the request already had.
            if (!await streams.TryRefuseAsync(requestId, log.DomainName, streamSid, callSid, ct))
            {
                await RejectAsync(socket, requestId, AlreadyStreamed, metrics, logger);
                return;
            }
            logger.LogWarning("Refused the Media Stream {StreamSid} of request {RequestId}: {Active} streams are open, {DomainActive} of them for {DomainName}; the call falls back to Gather",
                streamSid, requestId, capacity.Active, capacity.ActiveFor(log.DomainName), log.DomainName);
            metrics.Ended("refused", wasOpen: false);
            await socket.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "at capacity");
            return;
        }
        if (!await streams.TryOpenAsync(requestId, log.DomainName, streamSid, callSid, ct))
        {
            await RejectAsync(socket, requestId, AlreadyStreamed, metrics, logger);
            return;
        }
        await conversations.Create(socket, log, streamSid, callSid).RunAsync(ct);
    }

    private const string AlreadyStreamed = "the request already had a stream (a replayed token, or another call)";

    /// <summary>What is wrong with the start message on its own: no database round trip or cache lookup is spent on it.</summary>
    private static string? Unsigned(JsonObject? start, Guid requestId, StreamToken tokens)
    {
        var parameters = start?["customParameters"] as JsonObject;
        return start is null ? "no start message"
            : TwilioStreamSocket.Text(parameters?["requestId"]) != requestId.ToString() ? "request id parameter does not match the URL"
            : !tokens.IsValid(requestId, TwilioStreamSocket.Text(parameters?["token"])) ? "token invalid or expired"
            : null;
    }

    /// <summary>Whether the signed request is a voice request whose call, placed from this account, is the one streaming.</summary>
    private static async Task<string?> NotTheCallAsync(CallLog? log, JsonObject start, string callSid, TwilioConfigProvider configs, CancellationToken ct)
    {
        if (log is null || log.Channel is not ("phone" or "wvoice")) return "not a known voice request";
        var account = (await configs.GetTwilioConfigAsync(log.DomainName, log.Channel, ct)).Config;
        return account is null ? "not a known voice request"
            : account.AccountSid != TwilioStreamSocket.Text(start["accountSid"]) ? "account does not match the call's"
            : callSid.Length == 0 ? "no call SID"
            : log.TwilioSid is { } sid && sid != callSid ? "call SID does not match the request's"
            : null;
    }

    private static async Task RejectAsync(TwilioStreamSocket socket, Guid requestId, string reason, StreamMetrics metrics, ILogger logger)
    {
        logger.LogWarning("Rejected a Media Stream for {RequestId}: {Reason}", requestId, reason);
        metrics.Ended("rejected", wasOpen: false);
        await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "stream refused");
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
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            // Treated as no start: refused.
        }
        return null;
    }
}
