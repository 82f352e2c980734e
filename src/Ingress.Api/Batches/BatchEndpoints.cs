using Aventora.Persistence.Domains;
using Aventora.Contracts;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Persistence.Batches;
using Aventora.Persistence.CallLogs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Aventora.Persistence.Campaigns;

namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// <c>POST /batches</c>: a CSV file as the body (<c>text/csv</c>) or as the file of a <c>multipart/form-data</c> upload, with
/// <c>domain_name</c> (admin key only), <c>default_channel</c> and <c>batch_id</c> (the caller's own id, see
/// <see cref="BatchIdentity"/>) as query or form fields. An <c>Idempotency-Key</c> header names the batch when there is no
/// <c>batch_id</c>, and is claimed like on <c>POST /start</c> with the file's hash and the fields as the request, once the file is
/// in: the same key with another file is 422 before the batch is looked at; the same batch with another file (no key, or a new
/// one) is 409. The 202 comes once the file is spooled and every row validated, with status <c>publishing</c>: the good rows go
/// out in the background (<see cref="BatchPublisher"/>). <c>GET /batches/{id}</c>, by uuid or the caller's id: how far the batch has got.
/// </summary>
public static class BatchEndpoints
{
    private static readonly string[] CsvMediaTypes = ["text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"];
    private const int MaxFieldLength = 1000;

    public static IEndpointRouteBuilder MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/batches", UploadAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).AcceptsIdempotencyKey(IdempotencyHashing.ByEndpoint)
            .Produces<BatchAnswer>(202).ProducesProblem(413).ProducesProblem(415);
        app.MapGet("/batches/{id}", GetAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).Produces<BatchView>();
        app.MapPost("/batches/{id}/pause", PauseAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).Produces<BatchView>().ProducesProblem(409);
        app.MapPost("/batches/{id}/resume", ResumeAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).Produces<BatchView>().ProducesProblem(409);
        app.MapPost("/batches/{id}/cancel", CancelAsync).RequireAuthorization(ApiKeyAuthentication.AnyCaller).Produces<BatchView>().ProducesProblem(409);
        return app;
    }

    private static async Task<IResult> UploadAsync(
        HttpContext http, BatchProcessor processor, DomainRepository domains, IOptions<BatchOptions> options, ILogger<BatchProcessor> logger,
        CancellationToken ct)
    {
        var limit = options.Value.MaxFileBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = limit + 1024 * 1024; // room for multipart framing; the file itself is held to the limit below
        if (http.Request.ContentLength > limit + 1024 * 1024) return Refuse(BatchProcessor.TooLarge(limit));

        var fields = http.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        SpooledFile? file = null;
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
                        file = await SpooledFile.CopyAsync(section.Body, limit, options.Value.SpoolFolder!, ct);
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
                file = await SpooledFile.CopyAsync(http.Request.Body, limit, options.Value.SpoolFolder!, ct);
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
            var idempotencyKey = Blank(http.Request.Headers[IdempotencyAnswers.Header].FirstOrDefault());
            // Ids derive from the tenant (the name, and how many domains of that name were deleted before), never an earlier one's.
            var tenant = caller.TenantKey ?? await domains.FindTenantKeyAsync(domain, ct) ?? domain;
            if (!BatchIdentity.TryResolve(Blank(fields.GetValueOrDefault("batch_id")), idempotencyKey, tenant, out var identity, out var idError))
                return Problem(400, "batch_id", idError);

            var contentHash = await BatchContent.HashAsync(file.Stream, defaultChannel, ct);
            var idempotent = http.Features.Get<IdempotentRequest>();
            if (caller.IsAdmin) idempotent?.ScopeToTenant(domain, tenant);
            if (idempotent is not null && await idempotent.ClaimAsync(Parameters(fields), contentHash, ct) is { } instead)
            {
                return instead;
            }

            var upload = new BatchUpload(identity.Uuid, domain, defaultChannel, "api", fileName) { ClientBatchId = identity.ClientBatchId, ContentHash = contentHash };
            var (outcome, refusal) = await processor.AcceptAsync(upload, file, ct);
            if (refusal is not null) return Refuse(refusal);
            // Accepted and validated: the rows are kept on disk and go out in the background (GET /batches/{id} follows them).
            return Results.Accepted($"/batches/{outcome!.BatchId}", View(outcome));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refuse(BatchProcessor.TooLarge(limit));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            // Nobody is listening; nothing was recorded yet, so nothing of the file goes out.
            logger.LogInformation("Batch upload for {Path} ended: the client went away ({ErrorType})", http.Request.Path.Value, e.GetType().Name);
            return Results.StatusCode(499);
        }
        finally
        {
            if (file is not null) await file.DisposeAsync();
        }
    }

    /// <summary>The fields that shape the batch, in a stable order, for the Idempotency-Key's request hash.</summary>
    private static string Parameters(Dictionary<string, string?> fields) =>
        string.Join("\n", fields.OrderBy(f => f.Key.ToLowerInvariant(), StringComparer.Ordinal).Select(f => $"{f.Key.ToLowerInvariant()}={f.Value}"));

    /// <summary>The answer to an upload: <c>batch_id</c> is the caller's id (the uuid when it gave none), <c>batch_uuid</c> the system's.</summary>
    public sealed record BatchAnswer(
        string BatchId, Guid BatchUuid, string Status, string StatusUrl, int AcceptedCount, int PublishedCount, int RejectedCount,
        IReadOnlyList<RejectedRowView> RejectedRows, bool RejectedRowsTruncated)
    {
        public string? Title { get; init; }
    }

    public sealed record RejectedRowView(int LineNumber, IReadOnlyDictionary<string, string[]> Errors);

    public static BatchAnswer View(BatchOutcome outcome) => new(
        outcome.ClientBatchId, outcome.BatchId, outcome.Status, $"/batches/{outcome.BatchId}", outcome.AcceptedCount, outcome.PublishedCount,
        outcome.RejectedCount, outcome.RejectedRows.Select(r => new RejectedRowView(r.LineNumber, r.Errors)).ToList(), outcome.RejectedRowsTruncated);

    private static async Task<IResult> GetAsync(
        string id, [FromQuery(Name = "domain_name")] string? domainName, HttpContext http, BatchRepository batches, CallLogRepository callLogs,
        CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var (batch, problem) = await FindAsync(id, caller, Blank(domainName)?.ToLowerInvariant(), batches, ct);
        if (problem is not null) return problem;
        return Results.Ok(await ViewAsync(batch!, callLogs, ct));
    }

    private static readonly string[] PendingStatuses =
        [CallLogStatus.Received, CallLogStatus.Routed, CallLogStatus.Scheduled, CallLogStatus.Paused, CallLogStatus.Sending];

    /// <summary>
    /// How far a batch has got, as <c>GET /batches/{id}</c> and its pause, resume and cancel answer it. <c>batch_id</c> is the caller's
    /// id (the uuid when it gave none), <c>batch_uuid</c> the system's; <c>statuses</c> counts the batch's recorded requests by status.
    /// </summary>
    public sealed record BatchView
    {
        public required string BatchId { get; init; }
        public required Guid BatchUuid { get; init; }
        public required string DomainName { get; init; }
        /// <summary>api (POST /batches), drop (the drop folder) or email (a mail's attachment).</summary>
        public required string Source { get; init; }
        public string? FileName { get; init; }
        public string? DefaultChannel { get; init; }
        /// <summary>publishing, published, interrupted or failed (with <c>failure_reason</c>).</summary>
        public required string Status { get; init; }
        public string? FailureReason { get; init; }
        /// <summary>Set while a publishing batch is not moving (the broker is away): it carries on by itself.</summary>
        public string? WaitingReason { get; init; }
        public int AcceptedCount { get; init; }
        public int PublishedCount { get; init; }
        public int RejectedCount { get; init; }
        /// <summary>running, paused or cancelled (<c>POST /batches/{id}/pause|resume|cancel</c>).</summary>
        public required string Control { get; init; }
        /// <summary>
        /// Not sent yet: rows still on the broker (accepted, not recorded), waiting (scheduled, paused) or on their way to Twilio;
        /// rows of a cancelled batch still on the broker end cancelled as they arrive.
        /// </summary>
        public int PendingCount { get; init; }
        /// <summary>Reached Twilio: every status after the create call, final or not.</summary>
        public int SentCount { get; init; }
        public int CancelledCount { get; init; }
        public required IReadOnlyDictionary<string, int> Statuses { get; init; }
        /// <summary>SHA-256 over the file and its default channel, lower-case hex: the same batch id with other content is refused (409).</summary>
        public string? ContentSha256 { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }
    }

    private static async Task<BatchView> ViewAsync(BatchRow batch, CallLogRepository callLogs, CancellationToken ct)
    {
        var statuses = await callLogs.CountByStatusAsync(batch.Id, ct);
        var recorded = statuses.Values.Sum();
        int Count(IEnumerable<string> of) => of.Sum(s => statuses.GetValueOrDefault(s));
        var cancelled = statuses.GetValueOrDefault(CallLogStatus.Cancelled);
        var notRecorded = Math.Max(0, batch.AcceptedCount - recorded);
        return new BatchView
        {
            BatchId = batch.ClientBatchId,
            BatchUuid = batch.Id,
            DomainName = batch.DomainName,
            Source = batch.Source,
            FileName = batch.FileName,
            DefaultChannel = batch.DefaultChannel,
            Status = batch.Status,
            FailureReason = batch.FailureReason,
            WaitingReason = batch.WaitingReason,
            AcceptedCount = batch.AcceptedCount,
            PublishedCount = batch.PublishedCount,
            RejectedCount = batch.RejectedCount,
            Control = batch.Control,
            PendingCount = notRecorded + Count(PendingStatuses),
            SentCount = recorded - Count(PendingStatuses) - cancelled - Count(NotSentStatuses),
            CancelledCount = cancelled,
            Statuses = statuses,
            ContentSha256 = batch.ContentHash is null ? null : Convert.ToHexStringLower(batch.ContentHash),
            CreatedAt = batch.CreatedAt,
            UpdatedAt = batch.UpdatedAt,
        };
    }

    // Ended without reaching Twilio: refused before the create call, or unknown outcome still being settled.
    private static readonly string[] NotSentStatuses =
        [CallLogStatus.Failed, CallLogStatus.OptedOut, CallLogStatus.InsufficientCredits, CallLogStatus.Unconfirmed];

    private static Task<IResult> PauseAsync(string id, [FromQuery(Name = "domain_name")] string? domainName, HttpContext http, BatchRepository batches,
        CallLogRepository callLogs, OutboundHoldRepository holds, TimeProvider clock, CancellationToken ct) =>
        ControlAsync(id, domainName, http, batches, callLogs, holds, clock, [BatchControl.Running], BatchControl.Paused, ct);

    private static Task<IResult> ResumeAsync(string id, [FromQuery(Name = "domain_name")] string? domainName, HttpContext http, BatchRepository batches,
        CallLogRepository callLogs, OutboundHoldRepository holds, TimeProvider clock, CancellationToken ct) =>
        ControlAsync(id, domainName, http, batches, callLogs, holds, clock, [BatchControl.Paused], BatchControl.Running, ct);

    private static Task<IResult> CancelAsync(string id, [FromQuery(Name = "domain_name")] string? domainName, HttpContext http, BatchRepository batches,
        CallLogRepository callLogs, OutboundHoldRepository holds, TimeProvider clock, CancellationToken ct) =>
        ControlAsync(id, domainName, http, batches, callLogs, holds, clock, [BatchControl.Running, BatchControl.Paused], BatchControl.Cancelled, ct);

    /// <summary>
    /// Pause: rows not yet sent wait (the dispatcher and the workers hold each as it comes). Resume: they go on (the schedule releases
    /// them). Cancel: rows waiting end cancelled now; rows still on the broker end cancelled as they arrive; publishing stops. Repeating
    /// the same move answers the batch as it is (idempotent); a move from the wrong state is 409. Rows already claimed for Twilio go on.
    /// </summary>
    private static async Task<IResult> ControlAsync(
        string id, string? domainName, HttpContext http, BatchRepository batches, CallLogRepository callLogs, OutboundHoldRepository holds,
        TimeProvider clock, string[] from, string to, CancellationToken ct)
    {
        var (batch, problem) = await FindAsync(id, Caller.From(http.User), Blank(domainName)?.ToLowerInvariant(), batches, ct);
        if (problem is not null) return problem;
        var changed = await batches.TrySetControlAsync(batch!.Id, from, to, ct);
        if (changed is null && batch.Control != to && (await batches.FindAsync(batch.Id, ct))?.Control != to)
        {
            return Problem(409, "batch_control", $"Batch '{batch.ClientBatchId}' is {batch.Control}: it cannot be made {to} " +
                (batch.Control == BatchControl.Cancelled ? "(a cancelled batch stays cancelled; upload the rows again as a new batch)." : $"from there (only from {string.Join(" or ", from)})."));
        }
        if (to == BatchControl.Cancelled)
            await holds.CancelBatchAsync(batch.Id, clock.GetUtcNow(), CampaignGateReason, ct);
        if (to == BatchControl.Paused)
            await holds.PauseParkedAsync(batch.Id, clock.GetUtcNow(), ct);
        return Results.Ok(await ViewAsync(changed ?? (await batches.FindAsync(batch.Id, ct))!, callLogs, ct));
    }

    private const string CampaignGateReason = "The batch was cancelled before this row was sent; nothing was sent or charged.";

    /// <summary>By uuid first (any caller's batch it may see), then by the caller's id within the caller's domain (or domain_name, for the admin).</summary>
    private static async Task<(BatchRow? Batch, IResult? Problem)> FindAsync(
        string id, Caller caller, string? domainName, BatchRepository batches, CancellationToken ct)
    {
        var notFound = Problem(404, "not_found", $"Batch '{(id.Length <= 100 ? id : id[..100])}' is not known.");
        if (Guid.TryParse(id, out var uuid) && await batches.FindAsync(uuid, ct) is { } byUuid && caller.MayRead(byUuid.DomainName, byUuid.OfDeletedDomain)
            && (domainName is null || byUuid.DomainName == domainName))
        {
            return (byUuid, null);
        }
        if (!BatchIdentity.IsClientId(id)) return (null, notFound);
        var domain = caller.IsAdmin ? domainName : caller.DomainName?.ToLowerInvariant();
        var found = (await batches.FindByClientIdAsync(id, domain, ct)).Where(b => caller.MayRead(b.DomainName, b.OfDeletedDomain)).ToList();
        return found.Count switch
        {
            1 when caller.MayActFor(found[0].DomainName) => (found[0], null),
            > 1 => (null, Problem(409, "batch_id_ambiguous", $"Several domains have a batch '{id}': add ?domain_name= to say whose.")),
            _ => (null, notFound),
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IResult Refuse(BatchRefusal refusal) => Problem(refusal.StatusCode, refusal.Code, refusal.Message);

    private static IResult Problem(int status, string code, string title) =>
        Results.Problem(statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });
}
