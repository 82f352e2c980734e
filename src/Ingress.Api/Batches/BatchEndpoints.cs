using Aventora.Contracts;
using Aventora.Ingress.Api.Auth;
using Aventora.Persistence.Batches;
using Aventora.Persistence.CallLogs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// <c>POST /batches</c>: a CSV file as the body (<c>text/csv</c>) or as the file of a <c>multipart/form-data</c> upload, with
/// <c>domain_name</c> (admin key only), <c>default_channel</c> and <c>batch_id</c> as query or form fields (or the batch id as
/// an <c>Idempotency-Key</c> header). <c>GET /batches/{id}</c>: how far the batch has got.
/// </summary>
public static class BatchEndpoints
{
    private static readonly string[] CsvMediaTypes = ["text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"];
    private const int MaxIdempotencyKeyLength = 200;
    private const int MaxFieldLength = 1000;

    public static IEndpointRouteBuilder MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/batches", UploadAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        app.MapGet("/batches/{id:guid}", GetAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpContext http, BatchProcessor processor, IOptions<BatchOptions> options, CancellationToken ct)
    {
        var limit = options.Value.MaxFileBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = limit + 1024 * 1024; // room for multipart framing; the file itself is held to the limit below
        if (http.Request.ContentLength > limit + 1024 * 1024) return Refuse(BatchProcessor.TooLarge(limit));

        var fields = http.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        FileStream? file = null;
        string? fileName = null;
        try
        {
            var contentType = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ? parsed : null;
            var mediaType = contentType?.MediaType.Value?.ToLowerInvariant();
            if (mediaType == "multipart/form-data")
            {
                var boundary = HeaderUtilities.RemoveQuotes(contentType!.Boundary).Value;
                if (string.IsNullOrEmpty(boundary)) return Problem(400, "not_csv", "The multipart upload has no boundary.");
                var reader = new MultipartReader(boundary, http.Request.Body);
                while (await reader.ReadNextSectionAsync(ct) is { } section)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                    if (disposition.IsFileDisposition())
                    {
                        if (file is not null) return Problem(400, "one_file", "Upload one CSV file per batch.");
                        fileName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileName).Value);
                        file = await BatchSpool.CopyAsync(section.Body, limit, options.Value.SpoolFolder, ct);
                        if (file is null) return Refuse(BatchProcessor.TooLarge(limit));
                    }
                    else if (disposition.IsFormDisposition())
                    {
                        using var text = new StreamReader(section.Body);
                        var buffer = new char[MaxFieldLength + 1];
                        var length = await text.ReadBlockAsync(buffer, ct);
                        if (length > MaxFieldLength) return Problem(400, "field_too_long", $"Form fields are at most {MaxFieldLength} characters.");
                        fields.TryAdd(HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "", new string(buffer, 0, length));
                    }
                }
                if (file is null) return Problem(400, "no_file", "The multipart upload holds no file: send the CSV as a file field.");
            }
            else if (mediaType is not null && CsvMediaTypes.Contains(mediaType))
            {
                file = await BatchSpool.CopyAsync(http.Request.Body, limit, options.Value.SpoolFolder, ct);
                if (file is null) return Refuse(BatchProcessor.TooLarge(limit));
            }
            else
            {
                return Problem(415, "not_csv", $"Send the CSV file as text/csv or as a multipart/form-data upload, not '{http.Request.ContentType}'.");
            }

            var caller = Caller.From(http.User);
            var domain = (Blank(fields.GetValueOrDefault("domain_name")) ?? caller.DomainName)?.ToLowerInvariant();
            if (domain is null) return Problem(400, "domain_required", "domain_name is required with the admin key: the domain the batch is for.");
            if (!caller.MayActFor(domain)) return Problem(403, "forbidden", $"This API key may not act for domain '{domain}'.");
            var defaultChannel = Blank(fields.GetValueOrDefault("default_channel"))?.ToLowerInvariant();
            if (defaultChannel is not null && !Channels.ValidChannels.Contains(defaultChannel))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["default_channel"] = [$"default_channel '{defaultChannel}' is not valid: use one of {string.Join(", ", Channels.ValidChannels)}."],
                }, title: "The upload has invalid fields.");
            }
            if (!TryBatchId(fields.GetValueOrDefault("batch_id"), http.Request.Headers["Idempotency-Key"].FirstOrDefault(), domain, out var batchId, out var idError))
                return Problem(400, "batch_id", idError);

            var (outcome, refusal) = await processor.ProcessAsync(new BatchUpload(batchId, domain, defaultChannel, "api", fileName), file, ct);
            if (refusal is not null) return Refuse(refusal);
            var body = View(outcome!);
            return outcome!.Status == BatchStatus.Interrupted
                ? Results.Json(body with { Title = "The message broker is unavailable; some rows were not accepted. Upload again with the same batch_id." }, statusCode: 503)
                : Results.Accepted($"/batches/{batchId}", body);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refuse(BatchProcessor.TooLarge(limit));
        }
        finally
        {
            if (file is not null) await file.DisposeAsync();
        }
    }

    private static bool TryBatchId(string? batchId, string? idempotencyKey, string domain, out Guid id, out string error)
    {
        error = "";
        if (Blank(batchId) is { } given)
        {
            if (Guid.TryParse(given, out id)) return true;
            error = $"batch_id '{given}' is not a UUID.";
            return false;
        }
        if (Blank(idempotencyKey) is { } key)
        {
            if (key.Length > MaxIdempotencyKeyLength) { id = default; error = $"Idempotency-Key is longer than {MaxIdempotencyKeyLength} characters."; return false; }
            id = Guid.TryParse(key, out var asGuid) ? asGuid : NameBasedGuid.Create(NameBasedGuid.IdempotencyKeys, $"{domain}\n{key}");
            return true;
        }
        id = Guid.NewGuid();
        return true;
    }

    public sealed record BatchAnswer(
        Guid BatchId, string Status, string StatusUrl, int AcceptedCount, int RejectedCount,
        IReadOnlyList<RejectedRowView> RejectedRows, bool RejectedRowsTruncated)
    {
        public string? Title { get; init; }
    }

    public sealed record RejectedRowView(int LineNumber, IReadOnlyDictionary<string, string[]> Errors);

    public static BatchAnswer View(BatchOutcome outcome) => new(
        outcome.BatchId, outcome.Status, $"/batches/{outcome.BatchId}", outcome.AcceptedCount, outcome.RejectedCount,
        outcome.RejectedRows.Select(r => new RejectedRowView(r.LineNumber, r.Errors)).ToList(), outcome.RejectedRowsTruncated);

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, BatchRepository batches, CallLogRepository callLogs, CancellationToken ct)
    {
        var batch = await batches.FindAsync(id, ct);
        if (batch is null || !Caller.From(http.User).MayActFor(batch.DomainName))
            return Problem(404, "not_found", $"Batch {id} is not known.");
        var statuses = await callLogs.CountByStatusAsync(id, ct);
        var recorded = statuses.Values.Sum();
        return Results.Ok(new
        {
            batch_id = batch.Id,
            domain_name = batch.DomainName,
            source = batch.Source,
            file_name = batch.FileName,
            default_channel = batch.DefaultChannel,
            status = batch.Status,
            accepted_count = batch.AcceptedCount,
            rejected_count = batch.RejectedCount,
            // Accepted rows the dispatcher has not recorded yet are still on the broker.
            pending_count = Math.Max(0, batch.AcceptedCount - recorded),
            statuses,
            created_at = batch.CreatedAt,
            updated_at = batch.UpdatedAt,
        });
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IResult Refuse(BatchRefusal refusal) => Problem(refusal.StatusCode, refusal.Code, refusal.Message);

    private static IResult Problem(int status, string code, string title) =>
        Results.Problem(statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });
}
