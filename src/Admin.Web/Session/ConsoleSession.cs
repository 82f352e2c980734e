using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Aventora.Admin.Web.Session;

/// <summary>
/// The signed-in console user, for one circuit. The API key lives in the sign-in cookie's ticket, which Data Protection
/// encrypts and the browser holds HttpOnly; the server reads it back here and adds it to each call to Ingress.Api. It never goes
/// into the page, JavaScript, or a log.
/// </summary>
public sealed class ConsoleSession(AuthenticationStateProvider authentication, NavigationManager navigation)
{
    public const string ApiKeyClaim = "aventora:api_key";
    public const string DomainClaim = "aventora:domain";
    public const string AdminRole = "admin";

    private ClaimsPrincipal? _user;

    public async Task<ClaimsPrincipal> UserAsync() => _user ??= (await authentication.GetAuthenticationStateAsync()).User;

    public async Task<string?> ApiKeyAsync() => (await UserAsync()).FindFirstValue(ApiKeyClaim);

    public async Task<bool> IsAdminAsync() => (await UserAsync()).IsInRole(AdminRole);

    public async Task<string?> DomainAsync() => (await UserAsync()).FindFirstValue(DomainClaim);

    /// <summary>The API no longer takes the key (revoked, or the admin key changed): end the session and say why on the sign-in page.</summary>
    public void End() => navigation.NavigateTo(SignInEndpoints.EndedPath, forceLoad: true);
}
