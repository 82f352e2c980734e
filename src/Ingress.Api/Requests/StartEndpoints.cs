using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Ingress.Api.Publishing;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Aventora.Domains.Campaigns;
using Aventora.Domains.Metadata;
using Aventora.Persistence.Campaigns;
using Serilog.Context;

namespace Aventora.Ingress.Api.Requests;

/// <summary>
/// <c>POST /start</c> (one request) and <c>GET /requests/{id}</c> (how far it has got). With an <c>Idempotency-Key</c> the
/// request id derives from the key and the body, so a retry, even of a try whose 202 was lost, publishes the same id and
/// the dispatcher sends it once.
/// </summary>
public static class StartEndpoints
{
    public static IEndpointRouteBuilder MapStartEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/start", StartAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).AcceptsIdempotencyKey();
        app.MapGet("/requests/{id:guid}", GetRequestAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        app.MapPost("/requests/{id:guid}/cancel", CancelAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        return app;
    }

    private static async Task<IResult> StartAsync(
        StartRequest? body, HttpContext http, ConfirmedPublisher publisher, DomainMetadataCache metadata, ILogger<StartRequest> logger,
        CancellationToken cancellationToken)
    {
        if (body is null) return Results.Problem(statusCode: 400, title: "The body must be a JSON object with the request's fields.");
        var caller = Caller.From(http.User);
        var request = body with { DomainName = body.DomainName ?? caller.DomainName };
        if (!OutboundRequestValidator.TryValidate(request, out var valid, out var errors))
            return Results.ValidationProblem(errors, title: "The request has invalid fields.");
        if (!caller.MayActFor(valid!.DomainName))
            return Results.Problem(statusCode: 403, title: $"This API key may not act for domain '{valid.DomainName}'.");
        if (valid.IgnoreQuietHours && await QuietHoursRefusalAsync(valid, metadata, cancellationToken) is { } refusal)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["ignore_quiet_hours"] = [refusal] }, title: "The request has invalid fields.");

        var requestId = http.Features.Get<IdempotentRequest>() is { IsClaimed: true } idempotent ? idempotent.DeriveId("request") : Guid.NewGuid();
        var message = ToOutboundRequested(valid, requestId, RequestSources.Api);
        using var _ = LogContext.PushProperty("RequestId", message.RequestId);
        if (!await publisher.TryPublishAsync(message, cancellationToken))
        {
            // A confirm that timed out may still have been published: say so, and name the request so the client can look it up.
            return Results.Problem(statusCode: 503,
                title: "The message broker did not confirm the request in time, so it may or may not have been taken. "
                    + "Send it again with the same Idempotency-Key (it is then sent at most once), or look it up at status_url.",
                extensions: new Dictionary<string, object?> { ["request_id"] = message.RequestId, ["status_url"] = $"/requests/{message.RequestId}" });
        }
        logger.LogInformation("Accepted {Channel} request for domain {DomainName}", message.Channel, message.DomainName);
        return Results.Accepted($"/requests/{message.RequestId}", new
        {
            request_id = message.RequestId,
            status = "accepted",
            status_url = $"/requests/{message.RequestId}",
            send_at = message.SendAt,
        });
    }

    /// <summary>ignore_quiet_hours is for the domain's transactional types only (technical_json transactional_types); null when allowed.</summary>
    private static async Task<string?> QuietHoursRefusalAsync(ValidRequest valid, DomainMetadataCache metadata, CancellationToken ct)
    {
        if (valid.DomainName is null) return null; // no domain, no sending window to ignore
        var settings = CampaignSettings.From(await metadata.GetDomainMetadataAsync(valid.DomainName, ct));
        return settings.IsTransactional(valid.Type) ? null
            : $"ignore_quiet_hours is allowed only for the types domain '{valid.DomainName}' marks transactional " +
              $"({(settings.TransactionalTypes.Count == 0 ? "none yet" : string.Join(", ", settings.TransactionalTypes))}), not '{valid.Type}'; " +
              $"an admin can add it to the domain's technical_json {CampaignSettings.TransactionalTypesKey}.";
    }

    public static OutboundRequested ToOutboundRequested(ValidRequest valid, Guid requestId, string source, Guid? batchId = null, int? lineNumber = null) => new()
    {
        RequestId = requestId,
        DomainName = valid.DomainName,
        Channel = valid.Channel,
        PhoneNumber = valid.PhoneNumber.E164,
        Type = valid.Type,
        Instruction = valid.Instruction,
        Name = valid.Name,
        Email = valid.Email,
        ContentSid = valid.ContentSid,
        ContentVariables = valid.ContentVariables,
        Source = source,
        BatchId = batchId,
        LineNumber = lineNumber,
        RequestedAt = DateTimeOffset.UtcNow,
        SendAt = valid.SendAt,
        IgnoreQuietHours = valid.IgnoreQuietHours,
    };

    /// <summary>Cancels a request still waiting (scheduled, or paused with its batch); 409 once it has started.</summary>
    private static async Task<IResult> CancelAsync(
        Guid id, HttpContext http, CallLogRepository callLogs, OutboundHoldRepository holds, TimeProvider clock, CancellationToken cancellationToken)
    {
        var log = await callLogs.FindAsync(id, cancellationToken);
        if (log is null || !Caller.From(http.User).MayActFor(log.DomainName))
            return Results.Problem(statusCode: 404, title: $"Request {id} is not known (yet): it may still be on its way to the dispatcher.");
        if (!await holds.CancelAsync(id, clock.GetUtcNow(), "Cancelled by the caller (POST /requests/{id}/cancel) before it started; nothing was sent or charged.", cancellationToken))
        {
            var now = await callLogs.FindAsync(id, cancellationToken);
            return Results.Problem(statusCode: 409, title: $"Request {id} can no longer be cancelled: it is '{now?.Status}' (only a request still waiting, scheduled or paused, can).",
                extensions: new Dictionary<string, object?> { ["code"] = "not_cancellable", ["status"] = now?.Status });
        }
        return Results.Ok(new { request_id = id, status = CallLogStatus.Cancelled });
    }

    private static async Task<IResult> GetRequestAsync(Guid id, HttpContext http, CallLogRepository callLogs, ConversationTurnRepository turns, CancellationToken cancellationToken)
    {
        var log = await callLogs.FindAsync(id, cancellationToken);
        if (log is null || !Caller.From(http.User).MayActFor(log.DomainName))
            return Results.Problem(statusCode: 404, title: $"Request {id} is not known (yet): it may still be on its way to the dispatcher.");
        return Results.Ok(new
        {
            request_id = log.Id,
            domain_name = log.DomainName,
            channel = log.Channel,
            phone_number = log.PhoneNumber,
            type = log.Type,
            status = log.Status,
            twilio_sid = log.TwilioSid,
            twilio_status = log.TwilioStatus,
            error_code = log.ErrorCode,
            error_message = log.ErrorMessage,
            duration_seconds = log.DurationSeconds,
            send_at = log.SendAt,
            created_at = log.CreatedAt,
            updated_at = log.UpdatedAt,
            transcript = (await turns.ListAsync(id, cancellationToken)).Select(t => new { speaker = t.Speaker, text = t.Text, at = t.CreatedAt }),
        });
    }
}
