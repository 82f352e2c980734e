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

        foreach (var path in new[] { "/sms/webhook", "/whatsapp/webhook", "/twilio/status/message", "/twilio/status/call" })
        {
            var operation = document.Paths[path].Operations![HttpMethod.Post];
            Assert.Contains(operation.Tags!, t => t.Name == "Twilio webhooks");
            Assert.True(operation.Security is null or { Count: 0 }, $"{path} is called by Twilio, not with an API key");
        }
        Assert.DoesNotContain("Twilio webhooks", document.Paths["/start"].Operations![HttpMethod.Post].Tags!.Select(t => t.Name));
    }

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
