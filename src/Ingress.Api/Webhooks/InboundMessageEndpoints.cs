using Aventora.Contracts;
using Aventora.Contracts.Messaging;
using Aventora.Domains.Credentials;
using Aventora.Ingress.Api.Publishing;

namespace Aventora.Ingress.Api.Webhooks;

/// <summary>
/// <c>POST /sms/webhook</c> and <c>POST /whatsapp/webhook</c>: two URLs, one machinery. The signature is checked with the
/// auth token of the account that owns the receiving number; Twilio gets an empty TwiML answer at once and the message
/// goes on through the broker.
/// </summary>
public static class InboundMessageEndpoints
{
    private static readonly string EmptyTwiml = Aventora.ServiceDefaults.Text.TwimlDocument.Of("");

    public static IEndpointRouteBuilder MapInboundMessageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sms/webhook", (HttpRequest request, WebhookDependencies deps, CancellationToken ct) => ReceiveAsync(Channels.Sms, request, deps, ct))
            .DisableAntiforgery();
        app.MapPost("/whatsapp/webhook", (HttpRequest request, WebhookDependencies deps, CancellationToken ct) => ReceiveAsync(Channels.WhatsAppMessage, request, deps, ct))
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(string channel, HttpRequest request, WebhookDependencies deps, CancellationToken ct)
    {
        if (!request.HasFormContentType) return Results.Problem(statusCode: 400, title: "Twilio webhooks are form-encoded.");
        var form = await request.ReadFormAsync(ct);
        var from = TwilioAddress.StripWhatsApp(form["From"].ToString());
        var to = TwilioAddress.StripWhatsApp(form["To"].ToString());
        var accountSid = form["AccountSid"].ToString();
        var messageSid = form["MessageSid"].ToString();
        if (from.Length == 0 || to.Length == 0 || messageSid.Length == 0) return Forbidden();

        var (domain, known) = await deps.Owners.FindAsync(channel, from, to, ct);
        if (!known) return Forbidden();
        if (await deps.Configs.VerifyWebhookAsync(domain, channel, accountSid, token => deps.Signature.IsValid(request, form, token), ct) is null)
        {
            deps.Logger.LogWarning("Refused an inbound {Channel} webhook for {To}: signature or account does not match", channel, to);
            return Forbidden();
        }

        var message = new InboundMessageReceived
        {
            MessageSid = messageSid, AccountSid = accountSid, Channel = channel, From = from, To = to,
            Body = form["Body"].ToString(), DomainName = domain, ReceivedAt = DateTimeOffset.UtcNow,
        };
        // Twilio retries on a 5xx, so a message the broker did not take is not lost.
        if (!await deps.Publisher.TryPublishAsync(message, ct))
            return Results.Problem(statusCode: 503, title: "The message broker is unavailable; Twilio will retry.");
        return Results.Text(EmptyTwiml, "text/xml");
    }

    private static IResult Forbidden() => Results.Problem(statusCode: 403, title: "The request is not signed by the Twilio account that owns this number.");
}

/// <summary>What the webhook endpoints need, in one parameter.</summary>
public sealed record WebhookDependencies(
    NumberOwners Owners, TwilioConfigProvider Configs, TwilioSignature Signature, ConfirmedPublisher Publisher, ILogger<WebhookDependencies> Logger);
