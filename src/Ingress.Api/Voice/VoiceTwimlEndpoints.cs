using System.ComponentModel.DataAnnotations;
using Aventora.Contracts.Voice;
using Aventora.Domains.Credentials;
using Aventora.Ingress.Api.Webhooks;
using Aventora.Persistence.CallLogs;
using Aventora.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Voice;

/// <summary>Binds the <c>VoiceTwiml</c> section: how long Twilio's fetch waits on Voice.Worker before the fallback is spoken.</summary>
public sealed class VoiceTwimlOptions
{
    public const string Section = "VoiceTwiml";

    [Range(typeof(TimeSpan), "00:00:00.200", "00:00:14", ErrorMessage = "VoiceTwiml:WorkerTimeout must be between 200 ms and 14 s (Twilio waits 15 s).")]
    public TimeSpan WorkerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string FallbackMessage { get; set; } = "We are sorry, we cannot continue this call right now. We will get back to you. Goodbye.";
}

/// <summary>
/// Twilio fetches a call's TwiML here; Voice.Worker writes it (request/response on the bus). When the worker is slow or away,
/// Twilio still gets a polite goodbye instead of an error tone. The URL names the call's domain and channel (<see cref="VoiceTwimlUrls"/>),
/// so the signature is checked against that domain's cached account before anything reads the database; Voice.Worker then answers
/// only if the call is that domain's. URLs from before release 1.33.0 name neither and are checked against the request's row.
/// </summary>
public static class VoiceTwimlEndpoints
{
    public static IServiceCollection AddVoiceTwiml(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VoiceTwimlOptions>().Bind(configuration.GetSection(VoiceTwimlOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapVoiceTwimlEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(VoiceTwimlUrls.Path + "/{requestId:guid}", TwimlAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> TwimlAsync(
        Guid requestId, HttpRequest request, IRequestClient<GetCallTwiml> voiceWorker, IOptions<VoiceTwimlOptions> options,
        CallLogRepository callLogs, TwilioConfigProvider configs, TwilioSignature signature,
        ILogger<VoiceTwimlOptions> logger, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType) return Results.Problem(statusCode: 400, title: "Twilio's TwiML requests are form-encoded.");
        var form = await request.ReadFormAsync(cancellationToken);
        // Only the account that placed the call may fetch its conversation.
        var named = CallbackOrigin.FromUrl(request.Query);
        var origin = named ?? await FromCallLogAsync(callLogs, requestId, cancellationToken);
        if (origin is null || ReferenceEquals(origin, CallbackOrigin.Invalid)
            || await configs.VerifyWebhookAsync(origin.DomainName, origin.Channel, form["AccountSid"].ToString(),
                token => signature.IsValid(request, form, token), cancellationToken) is null)
        {
            logger.LogWarning("Refused a TwiML request for {RequestId}: signature or account does not match", requestId);
            return Results.Problem(statusCode: 403, title: "The request is not signed by the Twilio account that placed this call.");
        }

        var ask = new GetCallTwiml
        {
            RequestId = requestId,
            CallSid = form["CallSid"].ToString(),
            // What the URL named, for Voice.Worker to hold against the call (an older URL was held against it here).
            DomainName = named?.DomainName,
            Channel = named?.Channel,
            SpeechResult = form.TryGetValue("SpeechResult", out var speech) ? speech.ToString() : null,
            // The <Connect> action of a stream-mode call names itself; the query is part of the signed URL.
            AfterStream = request.Query[VoiceTwimlUrls.AfterParameter] == VoiceTwimlUrls.AfterStream,
        };
        try
        {
            var answer = await voiceWorker.GetResponse<CallTwiml>(ask, cancellationToken, RequestTimeout.After(ms: (int)options.Value.WorkerTimeout.TotalMilliseconds));
            return Results.Text(answer.Message.Twiml, "text/xml");
        }
        catch (Exception e) when (e is RequestTimeoutException or RequestFaultException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Voice.Worker did not answer for call {CallSid} of request {RequestId} ({Reason}); speaking the fallback",
                ask.CallSid, requestId, e.GetType().Name);
            return Results.Text(Aventora.ServiceDefaults.Text.TwimlDocument.SayAndHangUp(options.Value.FallbackMessage), "text/xml");
        }
    }

    /// <summary>A URL given to Twilio before release 1.33.0 names no domain: the request's row says whose call it is.</summary>
    private static async Task<CallbackOrigin?> FromCallLogAsync(CallLogRepository callLogs, Guid requestId, CancellationToken cancellationToken) =>
        await callLogs.FindAsync(requestId, cancellationToken) is { } log ? new CallbackOrigin(requestId, log.DomainName, log.Channel) : null;
}
