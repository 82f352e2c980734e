using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Aventora.Ingress.Api.Idempotency;
using Aventora.ServiceDefaults.Deployment;
using Scalar.AspNetCore;

namespace Aventora.Ingress.Api.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of Ingress.Api (<c>/openapi/v1.json</c>) and its interactive reference (Scalar, <c>/docs</c>).
/// What every endpoint has in common is added here once: its tag, the API-key security requirement when it asks for a key,
/// and the problem-details answers each status code can bring. Examples come from <see cref="ApiExamples"/>.
/// </summary>
public static class ApiDocument
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Aventora Ingress API",
                Version = "v1",
                Description = "Reach people by sms, WhatsApp message, phone call and WhatsApp voice call through Twilio. "
                    + "Send the API key in X-Api-Key (or as Authorization: Bearer). Errors are RFC 9457 problem details. "
                    + "Endpoints tagged 'Twilio webhooks' are called by Twilio, signed with X-Twilio-Signature, never by clients.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                    Description = "The admin key, or a domain's key (av_...) made by POST /admin/domains/{name}/api-keys.",
                },
                [BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The same API key as Authorization: Bearer <key>.",
                },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var asksForKey = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            if (asksForKey)
            {
                operation.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
                ];
            }
            if (metadata.OfType<AcceptsIdempotencyKey>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "Idempotency-Key", In = ParameterLocation.Header, Required = false,
                    Description = "Any string up to 255 characters: a retry with the same key and body gets the first answer and publishes nothing again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
                });
            }
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (ApiExamples.For(context.JsonTypeInfo.Type) is { } example) schema.Example = example;
            return Task.CompletedTask;
        });
    });

    /// <summary>
    /// Conventions for every endpoint of the public API, applied after the endpoint's own: a tag by path, and the problem-details
    /// answers that its metadata implies (429 everywhere, 401/403 behind a key, 400 for a body or parameters, 404 for a named resource).
    /// </summary>
    public static TBuilder WithApiDocumentDefaults<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint is not RouteEndpointBuilder route) return;
            var path = "/" + (route.RoutePattern.RawText ?? "").TrimStart('/');
            var metadata = endpoint.Metadata;
            if (!metadata.OfType<ITagsMetadata>().Any()) metadata.Add(new TagsAttribute(ApiTags.For(path)));

            var declared = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            void Problem(int status, Type type)
            {
                if (declared.Add(status)) metadata.Add(new ProducesResponseTypeMetadata(status, type, ["application/problem+json"]));
            }
            Problem(429, typeof(ProblemDetails)); // past its budget (README, "Rate limits"), with Retry-After

            if (ApiTags.For(path) == ApiTags.TwilioWebhooks)
            {
                Problem(400, typeof(ProblemDetails));
                Problem(403, typeof(ProblemDetails)); // the X-Twilio-Signature did not match
                Problem(503, typeof(ProblemDetails)); // the broker did not confirm; Twilio retries what it retries
                return;
            }
            if (metadata.OfType<IAuthorizeData>().Any())
            {
                Problem(401, typeof(ProblemDetails));
                Problem(403, typeof(ProblemDetails));
            }
            var method = metadata.OfType<IHttpMethodMetadata>().FirstOrDefault()?.HttpMethods.FirstOrDefault() ?? "GET";
            if (method is "POST" or "PUT" or "PATCH" || route.RoutePattern.Parameters.Count > 0) Problem(400, typeof(HttpValidationProblemDetails));
            if (route.RoutePattern.Parameters.Count > 0) Problem(404, typeof(ProblemDetails));
            if (method is "POST" && metadata.OfType<AcceptsIdempotencyKey>().Any())
            {
                Problem(409, typeof(ProblemDetails)); // the same Idempotency-Key still in progress
                Problem(422, typeof(ProblemDetails)); // the same Idempotency-Key with another body
            }
            if (method is "POST" or "PUT" or "DELETE") Problem(503, typeof(ProblemDetails)); // the broker did not confirm in time
        });
        return builder;
    }

    public static WebApplication MapApiDocument(this WebApplication app)
    {
        // Operational: on the management port only in a declared production process (README, "Deployment defaults").
        app.MapOpenApi(DocumentPath).ForManagement();
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("Aventora Ingress API")
            .WithOpenApiRoutePattern(DocumentPath)).ForManagement();
        return app;
    }
}

/// <summary>The tags the document groups endpoints by; Twilio's callbacks are marked as webhooks, not for clients.</summary>
public static class ApiTags
{
    public const string TwilioWebhooks = "Twilio webhooks";

    public static string For(string path) => path switch
    {
        // (A `when` after `or` would guard both sides, so /start and /me are their own arms.)
        "/start" or "/me" => "Requests",
        _ when path.StartsWith("/requests", StringComparison.Ordinal) => "Requests",
        _ when path.StartsWith("/batches", StringComparison.Ordinal) => "Batches",
        "/sms/webhook" or "/whatsapp/webhook" => TwilioWebhooks,
        _ when path.StartsWith("/twilio/", StringComparison.Ordinal) || path.StartsWith("/voice/", StringComparison.Ordinal) => TwilioWebhooks,
        _ when path.Contains("/email-pull", StringComparison.Ordinal) => "Email pull",
        _ when path.Contains("/status-webhook", StringComparison.Ordinal) => "Status webhooks",
        _ when path.EndsWith("/credits", StringComparison.Ordinal) || path.EndsWith("/balance", StringComparison.Ordinal)
            || path.EndsWith("/ledger", StringComparison.Ordinal) => "Credits",
        _ when path.Contains("/api-keys", StringComparison.Ordinal) => "API keys",
        _ => "Domains",
    };
}
