using System.Security.Claims;
using Aventora.Admin.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Aventora.Admin.Web.Session;

/// <summary>
/// Signing in and out are plain form posts (not the interactive circuit), since only an HTTP answer can set or clear the cookie.
/// A key is taken only when Ingress.Api's <c>GET /me</c> accepts it; the cookie then carries it, encrypted, HttpOnly.
/// </summary>
public static class SignInEndpoints
{
    public const string SignInPath = "/signin";
    public const string EndedPath = "/account/ended";

    public static IEndpointRouteBuilder MapSignInEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/signin", SignInAsync);
        app.MapPost("/account/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect($"{SignInPath}?message=signed-out");
        });
        // Reached from the circuit when the API answers 401: the key was revoked, so the session ends here.
        app.MapGet(EndedPath, async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect($"{SignInPath}?message=ended");
        });
        return app;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm(Name = "api_key")] string? apiKey, [FromForm(Name = "return_url")] string? returnUrl, HttpContext http, IngressApiClient api,
        ILogger<IngressApiClient> logger, CancellationToken ct)
    {
        apiKey = apiKey?.Trim();
        if (string.IsNullOrEmpty(apiKey)) return Results.LocalRedirect($"{SignInPath}?message=missing");
        var me = await api.MeAsync(apiKey, ct);
        if (!me.Ok)
        {
            logger.LogInformation("Console sign-in refused: Ingress.Api answered {Status}", me.Problem!.Status);
            return Results.LocalRedirect($"{SignInPath}?message={(me.Problem.Status is 401 or 403 ? "refused" : "unreachable")}");
        }
        var claims = new List<Claim> { new(ConsoleSession.ApiKeyClaim, apiKey) };
        if (me.Value!.IsAdmin) claims.Add(new Claim(ClaimTypes.Role, ConsoleSession.AdminRole));
        if (me.Value.DomainName is { } domain) claims.Add(new Claim(ConsoleSession.DomainClaim, domain));
        claims.Add(new Claim(ClaimTypes.Name, me.Value.IsAdmin ? "admin" : me.Value.DomainName ?? "domain"));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
        logger.LogInformation("Console sign-in as {Who}", me.Value.IsAdmin ? "admin" : $"domain {me.Value.DomainName}");
        return Results.LocalRedirect(returnUrl is { Length: > 1 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") ? returnUrl : "/send");
    }
}
