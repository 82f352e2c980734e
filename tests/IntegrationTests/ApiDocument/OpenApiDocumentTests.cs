using System.Net;
using System.Text.RegularExpressions;
using Aventora.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Aventora.IntegrationTests.ApiDocument;

/// <summary>The OpenAPI document describes every endpoint Ingress.Api maps, validates, and /docs serves the reference.</summary>
[Collection(SystemCollection.Name)]
public sealed partial class OpenApiDocumentTests(SystemFixture system)
{
    /// <summary>Operational endpoints, not the public API: health, metrics, the document and its reference page.</summary>
    private static bool IsOperational(string path) =>
        path.StartsWith("/health", StringComparison.Ordinal) || path.StartsWith("/metrics", StringComparison.Ordinal)
        || path.StartsWith("/openapi", StringComparison.Ordinal) || path.StartsWith("/docs", StringComparison.Ordinal)
        || path.StartsWith("/scalar", StringComparison.Ordinal);

    private async Task<(OpenApiDocument Document, OpenApiDiagnostic Diagnostic, string Json)> LoadAsync()
    {
        using var http = system.Ingress.CreateHttpClient();
        var response = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync();
        var settings = new OpenApiReaderSettings();
        var result = OpenApiDocument.Parse(json, "json", settings);
        return (result.Document!, result.Diagnostic!, json);
    }

    [Fact]
    public async Task The_document_is_OpenAPI_3_1_and_validates_without_errors()
    {
        var (document, diagnostic, json) = await LoadAsync();
        Assert.Contains("\"openapi\": \"3.1", json);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        var errors = document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? [];
        Assert.Empty(errors.Select(e => $"{e.Pointer}: {e.Message}"));
    }

    [Fact]
    public async Task Every_mapped_endpoint_is_in_the_document()
    {
        var (document, _, _) = await LoadAsync();
        var documented = document.Paths
            .SelectMany(p => p.Value.Operations!.Keys.Select(method => $"{method.Method.ToUpperInvariant()} {Normalize(p.Key)}"))
            .ToHashSet();

        var mapped = system.Ingress.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => !IsOperational(e.Path))
            .SelectMany(e => e.Methods.Select(m => $"{m} {Normalize(e.Path)}"))
            .ToList();

        Assert.True(mapped.Count > 20, $"only {mapped.Count} endpoints found: the enumeration is broken");
        Assert.Empty(mapped.Where(m => !documented.Contains(m)));
    }

    [Fact]
    public async Task Endpoints_carry_security_problem_answers_schemas_and_examples_and_Twilio_webhooks_are_tagged()
    {
        var (document, _, json) = await LoadAsync();
        Assert.Contains("ApiKey", document.Components!.SecuritySchemes!.Keys);
        Assert.Contains("Bearer", document.Components.SecuritySchemes.Keys);

        var start = document.Paths["/start"].Operations![HttpMethod.Post];
        Assert.NotEmpty(start.Security!);
        Assert.Contains("202", start.Responses!.Keys);
        foreach (var status in new[] { "400", "401", "403", "503" })
            Assert.Contains("application/problem+json", start.Responses[status].Content!.Keys);
        Assert.Contains(start.Parameters ?? [], p => p.Name == "Idempotency-Key");
        Assert.NotNull(document.Components.Schemas!["StartRequest"].Example);
        Assert.NotNull(document.Components.Schemas["StartAccepted"].Example);
        Assert.Contains("phone_number", document.Components.Schemas["StartRequest"].Properties!.Keys);

        foreach (var path in new[] { "/sms/webhook", "/whatsapp/webhook", "/twilio/status/message", "/twilio/status/call", "/twilio/amd" })
        {
            var operation = document.Paths[path].Operations![HttpMethod.Post];
            Assert.Contains(operation.Tags!, t => t.Name == "Twilio webhooks");
            Assert.True(operation.Security is null or { Count: 0 }, $"{path} is called by Twilio, not with an API key");
        }
        Assert.DoesNotContain("Twilio webhooks", document.Paths["/start"].Operations![HttpMethod.Post].Tags!.Select(t => t.Name));
        foreach (var (path, method) in new[] { ("/start", HttpMethod.Post), ("/me", HttpMethod.Get), ("/requests/{id}", HttpMethod.Get) })
            Assert.Equal(["Requests"], document.Paths[path].Operations![method].Tags!.Select(t => t.Name));
    }

    /// <summary>
    /// 2xx answers that carry no body by design, though not a 204: the document shows them without content, as it should.
    /// Anything else without a schema is an anonymous object or an untyped <c>IResult</c> that a client cannot be generated from.
    /// </summary>
    private static readonly HashSet<string> BodylessAnswers =
    [
        "POST /domains/{name}/status-webhook/deliveries/{id}/retry 202", // the retry is queued; the delivery log shows how it goes
    ];

    /// <summary>
    /// Every 2xx answer with a body, of every public endpoint, has an application/json schema: clients generated from the document
    /// (and the admin console's DTOs) can rely on it. An endpoint that answers an anonymous object or an untyped <c>IResult</c> shows
    /// no 2xx answer at all (its problem answers are declared, so none is inferred): each operation must declare one. Twilio's
    /// webhooks answer TwiML or nothing, and are not for clients.
    /// </summary>
    [Fact]
    public async Task Every_2xx_answer_of_the_public_API_has_a_JSON_schema()
    {
        var (document, _, _) = await LoadAsync();
        var operations = (
            from path in document.Paths
            where !IsOperational(path.Key)
            from operation in path.Value.Operations!
            where operation.Value.Tags?.Any(t => t.Name == "Twilio webhooks") != true
            select (Name: $"{operation.Key.Method.ToUpperInvariant()} {Normalize(path.Key)}",
                Answers: operation.Value.Responses!.Where(r => r.Key.StartsWith('2')).ToList())).ToList();

        var undeclared = operations.Where(o => o.Answers.Count == 0).Select(o => $"{o.Name}: no 2xx answer declared");
        var withoutSchema =
            from operation in operations
            from answer in operation.Answers
            let name = $"{operation.Name} {answer.Key}"
            where answer.Key != "204" && !BodylessAnswers.Contains(name) && !HasJsonSchema(answer.Value)
            select $"{name}: no application/json schema";
        var missing = undeclared.Concat(withoutSchema).ToList();

        Assert.True(operations.Count > 20, $"only {operations.Count} public operations found: the enumeration is broken");
        Assert.True(missing.Count == 0, $"{missing.Count} 2xx answers without a JSON schema:\n" + string.Join("\n", missing));
    }

    private static bool HasJsonSchema(IOpenApiResponse response) =>
        response.Content is { } content && content.TryGetValue("application/json", out var json) && json.Schema is not null;

    [Fact]
    public async Task Docs_serves_the_interactive_reference()
    {
        using var http = system.Ingress.CreateHttpClient();
        var response = await http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(html.Contains("openapi/v1.json", StringComparison.Ordinal), html);
    }

    private static string Normalize(string path) => Constraint().Replace(path, "{$1}").TrimEnd('/') is { Length: > 0 } p ? p : "/";

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")] private static partial Regex Constraint();
}
