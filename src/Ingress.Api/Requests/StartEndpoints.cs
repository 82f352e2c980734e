using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Ingress.Api.Publishing;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
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
        return app;
    }

    private static async Task<IResult> StartAsync(
        StartRequest? body, HttpContext http, ConfirmedPublisher publisher, ILogger<StartRequest> logger, CancellationToken cancellationToken)
    {
        if (body is null) return Results.Problem(statusCode: 400, title: "The body must be a JSON object with the request's fields.");
        var caller = Caller.From(http.User);
        var request = body with { DomainName = body.DomainName ?? caller.DomainName };
        if (!OutboundRequestValidator.TryValidate(request, out var valid, out var errors))
            return Results.ValidationProblem(errors, title: "The request has invalid fields.");
        if (!caller.MayActFor(valid!.DomainName))
            return Results.Problem(statusCode: 403, title: $"This API key may not act for domain '{valid.DomainName}'.");

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
        });
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
    };

    private static async Task<IResult> GetRequestAsync(Guid id, HttpContext http, CallLogRepository callLogs, ConversationTurnRepository turns,
        RequestStatusHistoryRepository history, CancellationToken cancellationToken)
    {
        var log = await callLogs.FindAsync(id, cancellationToken);
        if (log is null || !Caller.From(http.User).MayRead(log.DomainName, log.OfDeletedDomain))
            return Results.Problem(statusCode: 404, title: $"Request {id} is not known (yet): it may still be on its way to the dispatcher.");
        return Results.Ok(new
        {
            request_id = log.Id,
            domain_name = log.DomainName,
            domain_deleted = log.OfDeletedDomain ? true : (bool?)null,
            channel = log.Channel,
            phone_number = log.PhoneNumber,
            type = log.Type,
            status = log.Status,
            twilio_sid = log.TwilioSid,
            twilio_status = log.TwilioStatus,
            error_code = log.ErrorCode,
            error_message = log.ErrorMessage,
            duration_seconds = log.DurationSeconds,
            created_at = log.CreatedAt,
            updated_at = log.UpdatedAt,
            source = log.Source == RequestSources.Csv ? "batch" : log.Source,
            batch_id = log.BatchId,
            line_number = log.LineNumber,
            transcript = (await turns.ListAsync(id, cancellationToken)).Select(t => new { speaker = t.Speaker, text = t.Text, at = t.CreatedAt }),
            // Every status it has passed through, oldest first (requests from before release 1.28 start at their status then).
            status_history = (await history.ListAsync(id, cancellationToken)).Select(h => new { status = h.Status, error_message = h.ErrorMessage, at = h.At }),
        });
    }
}
