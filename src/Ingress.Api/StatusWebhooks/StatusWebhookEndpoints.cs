using System.Text.Json;
using System.Text.Json.Nodes;
using Aventora.Contracts.StatusWebhooks;
using Aventora.Domains.StatusWebhooks;
using Aventora.Ingress.Api.Auth;
using Aventora.Persistence.StatusWebhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Aventora.Ingress.Api.StatusWebhooks;

/// <summary>The body of <c>PUT /domains/{name}/status-webhook</c>.</summary>
public sealed record StatusWebhookBody
{
    public string? StatusWebhookUrl { get; init; }
}

/// <summary>A domain's status webhook. <c>signing_secret</c> is shown once: when the webhook is created or its secret rotated; null otherwise.</summary>
public sealed record StatusWebhookView(string DomainName, string StatusWebhookUrl, string? SigningSecret, DateTime SecretRotatedAt);

/// <summary>One status event and how its delivery went.</summary>
public sealed record StatusWebhookDelivery
{
    public required Guid DeliveryId { get; init; }
    public required Guid RequestId { get; init; }
    public required int Sequence { get; init; }
    public required string EventType { get; init; }
    /// <summary>pending, failing (will be tried again at next_attempt_at), delivered, failed (given up; may be retried).</summary>
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public DateTime? NextAttemptAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? DeliveredAt { get; init; }
    /// <summary>The JSON POSTed to the endpoint.</summary>
    public RequestStatusEvent? Payload { get; init; }
}

/// <summary>
/// A domain's status webhook (<c>/domains/{name}/status-webhook</c>, its own key or the admin's): the URL every status change of
/// its requests is POSTed to, the signing secret (shown once, rotatable), and the delivery log with a retry.
/// </summary>
public static class StatusWebhookEndpoints
{
    public const int MaxDeliveriesListed = 500;

    public static IEndpointRouteBuilder MapStatusWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var hook = app.MapGroup("/domains/{name}/status-webhook").RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        hook.MapGet("/", GetAsync);
        hook.MapPut("/", PutAsync);
        hook.MapDelete("/", DeleteAsync);
        hook.MapPost("/secret", RotateSecretAsync);
        hook.MapGet("/deliveries", ListDeliveriesAsync);
        hook.MapPost("/deliveries/{id:guid}/retry", RetryAsync);
        return app;
    }

    private static async Task<Results<Ok<StatusWebhookView>, ProblemHttpResult>> GetAsync(
        string name, HttpContext http, StatusWebhookRepository webhooks, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (Refuse(http, name) is { } refused) return refused;
        return await webhooks.FindAsync(name, ct) is { } webhook ? TypedResults.Ok(View(webhook, secret: null)) : NotFound(name);
    }

    private static async Task<Results<Ok<StatusWebhookView>, Created<StatusWebhookView>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string name, StatusWebhookBody? body, HttpContext http, StatusWebhookRepository webhooks, StatusWebhookTarget target, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (Refuse(http, name) is { } refused) return refused;
        var url = body?.StatusWebhookUrl?.Trim();
        var problem = target.RefuseUrl(url);
        if (problem is null) (_, problem) = await target.ResolveAsync(new Uri(url!).Host, ct);
        if (problem is not null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status_webhook_url"] = [problem] }, title: "The status webhook has invalid fields.");

        var secret = StatusWebhookSignature.NewSecret();
        var created = await webhooks.SetUrlAsync(name, url!, secret, ct);
        var saved = (await webhooks.FindAsync(name, ct))!;
        // The secret is answered this once; afterwards only a rotation shows a (new) one.
        return created ? TypedResults.Created($"/domains/{name}/status-webhook", View(saved, secret)) : TypedResults.Ok(View(saved, secret: null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, HttpContext http, StatusWebhookRepository webhooks, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (Refuse(http, name) is { } refused) return refused;
        return await webhooks.DeleteAsync(name, ct) ? TypedResults.NoContent() : NotFound(name);
    }

    private static async Task<Results<Ok<StatusWebhookView>, ProblemHttpResult>> RotateSecretAsync(
        string name, HttpContext http, StatusWebhookRepository webhooks, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (Refuse(http, name) is { } refused) return refused;
        var secret = StatusWebhookSignature.NewSecret();
        if (!await webhooks.RotateSecretAsync(name, secret, ct)) return NotFound(name);
        return TypedResults.Ok(View((await webhooks.FindAsync(name, ct))!, secret));
    }

    private static async Task<Results<Ok<IReadOnlyList<StatusWebhookDelivery>>, ValidationProblem, ProblemHttpResult>> ListDeliveriesAsync(
        string name, string? status, [FromQuery(Name = "request_id")] Guid? requestId, int? limit, HttpContext http,
        StatusWebhookDeliveryRepository deliveries, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (Refuse(http, name) is { } refused) return refused;
        if (status is not null && !StatusWebhookDeliveryRepository.Statuses.Contains(status))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["status"] = [$"status must be one of {string.Join(", ", StatusWebhookDeliveryRepository.Statuses)}."],
            }, title: "The query has invalid fields.");
        var rows = await deliveries.ListAsync(name, status, requestId, Math.Clamp(limit ?? 100, 1, MaxDeliveriesListed), ct);
        return TypedResults.Ok<IReadOnlyList<StatusWebhookDelivery>>(rows.Select(View).ToList());
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> RetryAsync(
        string name, Guid id, HttpContext http, StatusWebhookDeliveryRepository deliveries, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (Refuse(http, name) is { } refused) return refused;
        return await deliveries.RetryAsync(name, id, ct)
            ? TypedResults.Accepted($"/domains/{name}/status-webhook/deliveries")
            : TypedResults.Problem(statusCode: 404, title: $"Domain '{name}' has no failing or failed delivery {id} (a delivered or pending one needs no retry).");
    }

    private static ProblemHttpResult? Refuse(HttpContext http, string name) =>
        Caller.From(http.User).MayActFor(name) ? null : TypedResults.Problem(statusCode: 403, title: $"This API key may not act for domain '{name}'.");

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: 404, title: $"Domain '{name}' has no status webhook; set one with PUT /domains/{name}/status-webhook.");

    private static StatusWebhookView View(StatusWebhook webhook, string? secret) => new(webhook.DomainName, webhook.Url, secret, webhook.SecretRotatedAt);

    private static StatusWebhookDelivery View(StatusWebhookDeliveryRow row) => new()
    {
        DeliveryId = row.Id, RequestId = row.RequestId, Sequence = row.Sequence, EventType = row.EventType, Status = row.Status,
        Attempts = row.Attempts, LastStatusCode = row.LastStatusCode, LastError = row.LastError,
        NextAttemptAt = row.Status is "pending" or "failing" ? row.NextAttemptAt : null, CreatedAt = row.CreatedAt, DeliveredAt = row.DeliveredAt,
        Payload = JsonSerializer.Deserialize<RequestStatusEvent>(row.Payload),
    };
}
