using Aventora.Contracts;
using Aventora.Contracts.Outbound;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Ingress.Api.Publishing;
using Aventora.Persistence.CallLogs;
using Aventora.Persistence.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;
using Aventora.ServiceDefaults.Telemetry;
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
        app.MapPost("/requests/{id:guid}/cancel", CancelAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).Produces<RequestCancelled>().ProducesProblem(409);
        return app;
    }

    private static async Task<Results<Accepted<StartAccepted>, ValidationProblem, ProblemHttpResult>> StartAsync(
        StartRequest? body, HttpContext http, ConfirmedPublisher publisher, DomainMetadataCache metadata, ILogger<StartRequest> logger,
        CancellationToken cancellationToken)
    {
        if (body is null) return TypedResults.Problem(statusCode: 400, title: "The body must be a JSON object with the request's fields.");
        var caller = Caller.From(http.User);
        var request = body with { DomainName = body.DomainName ?? caller.DomainName };
        if (!OutboundRequestValidator.TryValidate(request, out var valid, out var errors))
            return TypedResults.ValidationProblem(errors, title: "The request has invalid fields.");
        if (!caller.MayActFor(valid!.DomainName))
            return TypedResults.Problem(statusCode: 403, title: $"This API key may not act for domain '{valid.DomainName}'.");
        if (valid.IgnoreQuietHours && await QuietHoursRefusalAsync(valid, metadata, cancellationToken) is { } refusal)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ignore_quiet_hours"] = [refusal] }, title: "The request has invalid fields.");

        var requestId = http.Features.Get<IdempotentRequest>() is { IsClaimed: true } idempotent ? idempotent.DeriveId("request") : Guid.NewGuid();
        var message = ToOutboundRequested(valid, requestId, RequestSources.Api);
        using var _ = LogContext.PushProperty("RequestId", message.RequestId);
        AventoraTelemetry.TagRequest(message.RequestId, message.DomainName, message.Channel);
        if (!await publisher.TryPublishAsync(message, cancellationToken))
        {
            // A confirm that timed out may still have been published: say so, and name the request so the client can look it up.
            return TypedResults.Problem(statusCode: 503,
                title: "The message broker did not confirm the request in time, so it may or may not have been taken. "
                    + "Send it again with the same Idempotency-Key (it is then sent at most once), or look it up at status_url.",
                extensions: new Dictionary<string, object?> { ["request_id"] = message.RequestId, ["status_url"] = $"/requests/{message.RequestId}" });
        }
        logger.LogInformation("Accepted {Channel} request for domain {DomainName}", message.Channel, message.DomainName);
        return TypedResults.Accepted($"/requests/{message.RequestId}",
            new StartAccepted(message.RequestId, "accepted", $"/requests/{message.RequestId}") { SendAt = message.SendAt });
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
        if (log is null || !Caller.From(http.User).MayRead(log.DomainName, log.OfDeletedDomain) || log.OfDeletedDomain)
            return Results.Problem(statusCode: 404, title: $"Request {id} is not known (yet): it may still be on its way to the dispatcher.");
        if (!await holds.CancelAsync(id, clock.GetUtcNow(), "Cancelled by the caller (POST /requests/{id}/cancel) before it started; nothing was sent or charged.", cancellationToken))
        {
            var now = await callLogs.FindAsync(id, cancellationToken);
            return Results.Problem(statusCode: 409, title: $"Request {id} can no longer be cancelled: it is '{now?.Status}' (only a request still waiting, scheduled or paused, can).",
                extensions: new Dictionary<string, object?> { ["code"] = "not_cancellable", ["status"] = now?.Status });
        }
        return Results.Ok(new RequestCancelled(id, CallLogStatus.Cancelled));
    }

    private static async Task<Results<Ok<RequestView>, ProblemHttpResult>> GetRequestAsync(
        Guid id, HttpContext http, CallLogRepository callLogs, ConversationTurnRepository turns, RequestStatusHistoryRepository history,
        CancellationToken cancellationToken)
    {
        var log = await callLogs.FindAsync(id, cancellationToken);
        if (log is null || !Caller.From(http.User).MayRead(log.DomainName, log.OfDeletedDomain))
            return TypedResults.Problem(statusCode: 404, title: $"Request {id} is not known (yet): it may still be on its way to the dispatcher.");
        return TypedResults.Ok(new RequestView
        {
            RequestId = log.Id,
            DomainName = log.DomainName,
            DomainDeleted = log.OfDeletedDomain ? true : null,
            Channel = log.Channel,
            PhoneNumber = log.PhoneNumber,
            Type = log.Type,
            Status = log.Status,
            TwilioSid = log.TwilioSid,
            TwilioStatus = log.TwilioStatus,
            ErrorCode = log.ErrorCode,
            ErrorMessage = log.ErrorMessage,
            DurationSeconds = log.DurationSeconds,
            AnsweredBy = log.AnsweredBy,
            MachineAction = log.MachineAction,
            SendAt = log.SendAt,
            CreatedAt = log.CreatedAt,
            UpdatedAt = log.UpdatedAt,
            Source = log.Source == RequestSources.Csv ? "batch" : log.Source,
            BatchId = log.BatchId,
            LineNumber = log.LineNumber,
            Transcript = (await turns.ListAsync(id, cancellationToken)).Select(t => new TranscriptTurnView(t.Speaker, t.Text, t.CreatedAt)).ToList(),
            // Every status it has passed through, oldest first (requests from before release 1.28 start at their status then).
            StatusHistory = (await history.ListAsync(id, cancellationToken)).Select(h => new StatusChangeView(h.Status, h.ErrorMessage, h.At)).ToList(),
        });
    }
}
