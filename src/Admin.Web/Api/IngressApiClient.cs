using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aventora.Admin.Web.Session;

namespace Aventora.Admin.Web.Api;

/// <summary>
/// Ingress.Api's public HTTP API, as the console uses it: one method per endpoint, the signed-in key in <c>X-Api-Key</c> on each
/// call. A 401 means the key no longer works (revoked), so the session ends there; any other refusal comes back as an
/// <see cref="ApiProblem"/> for the screen to show beside the field it names.
/// </summary>
public sealed class IngressApiClient(HttpClient http, IServiceProvider services, ILogger<IngressApiClient> logger)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Whose key this is; used at sign-in, before there is a session.</summary>
    public Task<ApiResult<Me>> MeAsync(string apiKey, CancellationToken ct) => SendAsync<Me>(HttpMethod.Get, "me", null, apiKey, ct);

    public Task<ApiResult<StartAnswer>> StartAsync(object body, CancellationToken ct) => SendAsync<StartAnswer>(HttpMethod.Post, "start", JsonBody(body), null, ct);

    /// <summary>The request lifecycle's statuses (<see cref="StatusVocabulary"/> keeps them).</summary>
    public Task<ApiResult<StatusList>> GetStatusesAsync(CancellationToken ct) => SendAsync<StatusList>(HttpMethod.Get, "statuses", null, null, ct);

    public Task<ApiResult<RequestDetail>> GetRequestAsync(Guid id, CancellationToken ct) => SendAsync<RequestDetail>(HttpMethod.Get, $"requests/{id}", null, null, ct);

    public Task<ApiResult<RequestPage>> ListRequestsAsync(RequestQuery q, CancellationToken ct)
    {
        var query = new List<string> { $"limit={q.Limit}" };
        void Add(string name, string? value) { if (!string.IsNullOrWhiteSpace(value)) query.Add($"{name}={Uri.EscapeDataString(value)}"); }
        Add("domain_name", q.DomainName);
        Add("channel", q.Channel);
        Add("status", q.Status);
        Add("source", q.Source);
        Add("from", q.From?.ToString("yyyy-MM-dd"));
        Add("to", q.To?.AddDays(1).ToString("yyyy-MM-dd")); // the chosen day is included
        Add("after", q.After);
        return SendAsync<RequestPage>(HttpMethod.Get, "requests?" + string.Join('&', query), null, null, ct);
    }

    public Task<ApiResult<BatchAnswer>> UploadBatchAsync(Stream csv, string fileName, string? domainName, string? defaultChannel, CancellationToken ct)
    {
        var form = new MultipartFormDataContent();
        var file = new StreamContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        if (!string.IsNullOrEmpty(domainName)) form.Add(new StringContent(domainName), "domain_name");
        if (!string.IsNullOrEmpty(defaultChannel)) form.Add(new StringContent(defaultChannel), "default_channel");
        return SendAsync<BatchAnswer>(HttpMethod.Post, "batches", form, null, ct);
    }

    public Task<ApiResult<BatchProgress>> GetBatchAsync(Guid batchUuid, CancellationToken ct) =>
        SendAsync<BatchProgress>(HttpMethod.Get, $"batches/{batchUuid}", null, null, ct);

    public Task<ApiResult<EmailPullSettings>> GetEmailPullAsync(string domain, CancellationToken ct) =>
        SendAsync<EmailPullSettings>(HttpMethod.Get, $"admin/domains/{Uri.EscapeDataString(domain)}/email-pull", null, null, ct);

    public Task<ApiResult<EmailPullSettings>> SaveEmailPullAsync(string domain, EmailPullSettings settings, CancellationToken ct) =>
        SendAsync<EmailPullSettings>(HttpMethod.Put, $"admin/domains/{Uri.EscapeDataString(domain)}/email-pull", JsonBody(settings), null, ct);

    public Task<ApiResult<MailboxTest>> TestEmailPullAsync(string domain, CancellationToken ct) =>
        SendAsync<MailboxTest>(HttpMethod.Post, $"admin/domains/{Uri.EscapeDataString(domain)}/email-pull/test", null, null, ct);

    public Task<ApiResult<List<PulledMail>>> ListMailsAsync(string domain, CancellationToken ct) =>
        SendAsync<List<PulledMail>>(HttpMethod.Get, $"admin/domains/{Uri.EscapeDataString(domain)}/email-pull/mails", null, null, ct);

    public Task<ApiResult<List<DomainView>>> ListDomainsAsync(CancellationToken ct) =>
        SendAsync<List<DomainView>>(HttpMethod.Get, "admin/domains", null, null, ct);

    public Task<ApiResult<DomainView>> CreateDomainAsync(string name, JsonObject technicalJson, CancellationToken ct) =>
        SendAsync<DomainView>(HttpMethod.Post, "admin/domains", JsonBody(new { domain_name = name, technical_json = technicalJson }), null, ct);

    public Task<ApiResult<DomainView>> UpdateDomainAsync(string name, JsonObject technicalJson, CancellationToken ct) =>
        SendAsync<DomainView>(HttpMethod.Put, $"admin/domains/{Uri.EscapeDataString(name)}", JsonBody(new { technical_json = technicalJson }), null, ct);

    public Task<ApiResult<List<ApiKeyView>>> ListKeysAsync(string domain, CancellationToken ct) =>
        SendAsync<List<ApiKeyView>>(HttpMethod.Get, $"admin/domains/{Uri.EscapeDataString(domain)}/api-keys", null, null, ct);

    public Task<ApiResult<NewApiKey>> CreateKeyAsync(string domain, string? label, CancellationToken ct) =>
        SendAsync<NewApiKey>(HttpMethod.Post, $"admin/domains/{Uri.EscapeDataString(domain)}/api-keys", JsonBody(new { label }), null, ct);

    public Task<ApiResult<JsonNode?>> RevokeKeyAsync(string domain, Guid id, CancellationToken ct) =>
        SendAsync<JsonNode?>(HttpMethod.Delete, $"admin/domains/{Uri.EscapeDataString(domain)}/api-keys/{id}", null, null, ct);

    public Task<ApiResult<CreditBalance>> BalanceAsync(string domain, bool asAdmin, CancellationToken ct) =>
        SendAsync<CreditBalance>(HttpMethod.Get, $"{(asAdmin ? "admin/domains" : "domains")}/{Uri.EscapeDataString(domain)}/balance", null, null, ct);

    public Task<ApiResult<Ledger>> LedgerAsync(string domain, bool asAdmin, CancellationToken ct) =>
        SendAsync<Ledger>(HttpMethod.Get, $"{(asAdmin ? "admin/domains" : "domains")}/{Uri.EscapeDataString(domain)}/ledger?page_size=50", null, null, ct);

    /// <summary>A grant carries an Idempotency-Key of its own, so a retried click grants once.</summary>
    public Task<ApiResult<JsonNode?>> GrantAsync(string domain, int credits, string reason, Guid idempotencyKey, CancellationToken ct) =>
        SendAsync<JsonNode?>(HttpMethod.Post, $"admin/domains/{Uri.EscapeDataString(domain)}/credits", JsonBody(new { credits, reason }), null, ct,
            request => request.Headers.Add("Idempotency-Key", idempotencyKey.ToString()));

    private static JsonContent JsonBody(object body) => JsonContent.Create(body, body.GetType(), options: Json);

    private async Task<ApiResult<T>> SendAsync<T>(
        HttpMethod method, string path, HttpContent? content, string? apiKey, CancellationToken ct, Action<HttpRequestMessage>? configure = null)
    {
        var session = apiKey is null ? services.GetRequiredService<ConsoleSession>() : null;
        apiKey ??= await session!.ApiKeyAsync();
        if (string.IsNullOrEmpty(apiKey))
        {
            session?.End();
            return ApiResult<T>.Failure(new ApiProblem(401, "You are signed out.", new Dictionary<string, string[]>()));
        }
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Api-Key", apiKey);
        configure?.Invoke(request);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Ingress.Api did not answer {Method} {Path} ({ErrorType})", method, path.Split('?')[0], e.GetType().Name);
            return ApiResult<T>.Failure(ApiProblem.Unreachable);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized && session is not null)
            {
                logger.LogInformation("Ingress.Api no longer takes this session's key: ending the session");
                session.End();
            }
            if (!response.IsSuccessStatusCode) return ApiResult<T>.Failure(await ApiProblem.ReadAsync(response, ct));
            if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0) return ApiResult<T>.Success(default!);
            var value = await response.Content.ReadFromJsonAsync<T>(Json, ct);
            return ApiResult<T>.Success(value!);
        }
    }
}
