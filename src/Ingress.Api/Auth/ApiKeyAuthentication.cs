using Microsoft.Extensions.DependencyInjection.Extensions;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Aventora.Persistence.Domains;
using Aventora.ServiceDefaults.Deployment;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Auth;

/// <summary>Binds the <c>Admin</c> section: the admin API key (a secret, never logged).</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    [Required(ErrorMessage = "Admin:ApiKey is required: the key that admin endpoints ask for.")]
    [MinLength(16, ErrorMessage = "Admin:ApiKey must be at least 16 characters long.")]
    public string ApiKey { get; set; } = "";

    /// <summary>How long this process remembers which domain a key belongs to (0 asks the database every time).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Admin:ApiKeyCacheFor must be between 0 and 10 minutes.")]
    public TimeSpan ApiKeyCacheFor { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long this process remembers that a key is not known (0 asks the database every time); a new key is never among them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Admin:UnknownApiKeyCacheFor must be between 0 and 10 minutes.")]
    public TimeSpan UnknownApiKeyCacheFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many unknown keys are remembered; past it a new bad key is asked for until older ones expire.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Admin:UnknownApiKeyCacheSize must be between 1 and 10,000,000.")]
    public int UnknownApiKeyCacheSize { get; set; } = 10_000;
}

/// <summary>A declared production Ingress does not start with the admin key this repository ships for local runs.</summary>
public sealed class AdminOptionsProductionValidator(DeploymentSafety deployment) : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        deployment.IsDeclaredProduction && string.Equals(options.ApiKey.Trim(), UnsafeDefaults.AdminApiKey, StringComparison.Ordinal)
            ? ValidateOptionsResult.Fail("Admin:ApiKey is the well-known local admin key, which a production deployment refuses: "
                + "generate a long random key (e.g. openssl rand -hex 32) and pass it in Admin__ApiKey.")
            : ValidateOptionsResult.Success;
}

/// <summary>Who is calling: the admin, or one domain through one of its keys.</summary>
public sealed record Caller(bool IsAdmin, string? DomainName, string? TenantKey = null)
{
    public const string DomainClaim = "aventora:domain";
    public const string TenantClaim = "aventora:tenant";

    public static Caller From(ClaimsPrincipal user) =>
        new(user.IsInRole(ApiKeyAuthentication.AdminRole), user.FindFirstValue(DomainClaim), user.FindFirstValue(TenantClaim));

    public bool MayActFor(string? domainName) =>
        IsAdmin || (domainName is not null && string.Equals(DomainName, domainName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reading a row: a deleted domain's rows (its name may belong to a new tenant now) are for admins only.</summary>
    public bool MayRead(string? domainName, bool ofDeletedDomain) => IsAdmin || (!ofDeletedDomain && MayActFor(domainName));
}

/// <summary>
/// API keys in <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>). The admin key comes from configuration; domain keys
/// are stored as SHA-256 hashes and looked up per request. A missing or unknown key is 401; a key acting beyond its domain, 403.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<AdminOptions> admin, ApiKeyCache apiKeys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string AdminRole = "admin";
    public const string AnyCaller = "any-caller";
    public const string AdminOnly = "admin-only";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiKeys.FromRequest(Request) is not { } key) return AuthenticateResult.NoResult();

        if (ApiKeys.IsAdminKey(key, admin.Value.ApiKey))
            return Success([new Claim(ClaimTypes.Role, AdminRole)]);

        var domain = await apiKeys.FindDomainAsync(ApiKeys.Hash(key), Context.RequestAborted);
        return domain is null
            ? AuthenticateResult.Fail("The API key is not known or has been revoked.")
            : Success([new Claim(Caller.DomainClaim, domain.DomainName), new Claim(Caller.TenantClaim, domain.TenantKey)]);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        await Results.Problem(statusCode: 401, title: "A valid API key is required in the X-Api-Key header.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 403;
        await Results.Problem(statusCode: 403, title: "This API key may not use this endpoint.").ExecuteAsync(Context);
    }

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}

/// <summary>Domain API keys: <c>av_</c> + 40 random characters; only the SHA-256 of a key is stored.</summary>
public static class ApiKeys
{
    public static string NewKey() => "av_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Is <paramref name="key"/> the admin key? Compared in constant time.</summary>
    public static bool IsAdminKey(string key, string adminKey) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(adminKey));

    public static string Prefix(string key) => key[..Math.Min(key.Length, 10)];

    /// <summary>The key a request bears in <c>X-Api-Key</c>, else in <c>Authorization: Bearer</c>; null when none.</summary>
    public static string? FromRequest(HttpRequest request)
    {
        var key = request.Headers["X-Api-Key"].FirstOrDefault();
        if (string.IsNullOrEmpty(key) && request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }
        return string.IsNullOrEmpty(key) ? null : key;
    }
}

public static class ApiKeyAuthenticationExtensions
{
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsProductionValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<Aventora.Domains.Metadata.IDomainChangeListener>(sp => sp.GetRequiredService<ApiKeyCache>()); // other copies' changes forget its keys
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyAuthentication.AnyCaller, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(ApiKeyAuthentication.AdminOnly, policy => policy.RequireRole(ApiKeyAuthentication.AdminRole));
        return services;
    }
}
