using System.Text.Json;
using Aventora.Ingress.Api.Auth;

namespace Aventora.Ingress.Api.Idempotency;

/// <summary>
/// Where an <c>Idempotency-Key</c> lives: a domain key's keys in <c>domain:{tenant}</c>, the admin key's in <c>admin</c>, or, for
/// a domain created again after a delete (generation above 0), in <c>admin:{tenant}</c>. Generation 0 keeps the scope it always
/// had, so nothing changes for a domain that was never deleted.
/// </summary>
public static class IdempotencyScopes
{
    public const string Admin = "admin";

    public static string For(Caller caller) =>
        caller.IsAdmin ? Admin : $"domain:{(caller.TenantKey ?? caller.DomainName)!.ToLowerInvariant()}";

    /// <summary>The admin's scope for a request acting for <paramref name="domainName"/>, whose tenant is <paramref name="tenantKey"/>.</summary>
    public static string ForAdmin(string scope, string domainName, string tenantKey) =>
        scope == Admin && !string.Equals(tenantKey, domainName, StringComparison.OrdinalIgnoreCase)
            ? $"{Admin}:{tenantKey.ToLowerInvariant()}"
            : scope;

    /// <summary>
    /// The domain an admin request acts for: the route's <c>{name}</c>, or a JSON body's <c>domain_name</c> (read from the
    /// buffered body, which is left at its start for the endpoint).
    /// </summary>
    public static async Task<string?> AdminTargetAsync(HttpContext http)
    {
        if (http.GetRouteValue("name") is string name && name.Length > 0) return name.ToLowerInvariant();
        if (http.Request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true) return null;
        try
        {
            using var json = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            return json.RootElement.ValueKind == JsonValueKind.Object
                   && json.RootElement.TryGetProperty("domain_name", out var domain) && domain.ValueKind == JsonValueKind.String
                ? domain.GetString()?.Trim().ToLowerInvariant() is { Length: > 0 } target ? target : null
                : null;
        }
        catch (JsonException)
        {
            return null; // The endpoint answers a body that is not JSON; the key stays in the admin scope.
        }
        finally
        {
            http.Request.Body.Position = 0;
        }
    }
}
