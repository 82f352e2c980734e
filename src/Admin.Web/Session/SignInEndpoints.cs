using System.Security.Claims;
using Aventora.Admin.Web.Api;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Aventora.Admin.Web.Session;

/// <summary>
/// Signing in and out are plain form posts (not the interactive circuit), since only an HTTP answer can set or clear the cookie.
/// A key is taken only when Ingress.Api's <c>GET /me</c> accepts it; the session then keeps it on the server. Both posts carry an
/// antiforgery token, so another site can neither sign a browser in nor out.
/// </summary>
public static class SignInEndpoints
{
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/account/signout";
    public const string EndedPath = "/account/ended";
    private const int MaxKeyLength = 512;

    public static IEndpointRouteBuilder MapSignInEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/signin", SignInAsync);
        app.MapPost(SignOutPath, SignOutAsync);
        app.MapGet(EndedPath, EndedAsync);
        return app;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm(Name = "api_key")] string? apiKey, [FromForm(Name = "return_url")] string? returnUrl, HttpContext http, IngressApiClient api,
        ILogger<IngressApiClient> logger, CancellationToken ct)
    {
        apiKey = apiKey?.Trim();
        if (string.IsNullOrEmpty(apiKey)) return Results.LocalRedirect($"{SignInPath}?message=missing");
        // A key goes into an HTTP header: a line break or another control character could never be one, so it is refused here, named.
        if (apiKey.Length > MaxKeyLength || apiKey.Any(c => c is < ' ' or > '~')) return Results.LocalRedirect($"{SignInPath}?message=malformed");
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
        return Results.LocalRedirect(LocalPath(returnUrl) ?? "/send");
    }

    /// <summary>
    /// Ends the session on the server (its ticket is removed, so a copy of the cookie is dead too). The token is checked here, whatever
    /// the content type: a cross-site post of text/plain would skip the antiforgery middleware, which looks at forms only.
    /// </summary>
    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return Results.Problem(statusCode: 400, title: "Sign out from the console's own page: this request carried no valid antiforgery token.");
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.LocalRedirect($"{SignInPath}?message=signed-out");
    }

    /// <summary>
    /// Reached from the circuit when the API answers 401: the key was revoked. A GET anybody can link to, so it ends the session only
    /// when Ingress.Api really refuses its key; otherwise the person is sent back to the console, still signed in.
    /// </summary>
    private static async Task<IResult> EndedAsync(HttpContext http, IngressApiClient api, CancellationToken ct)
    {
        var key = http.User.FindFirstValue(ConsoleSession.ApiKeyClaim);
        // No session came with it (already ended, as when several screens hit the revoked key at once): no cookie to touch.
        if (key is null) return Results.LocalRedirect($"{SignInPath}?message=ended");
        var me = await api.MeAsync(key, ct);
        if (me.Ok || me.Problem!.Status is not (401 or 403)) return Results.LocalRedirect("/send");
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.LocalRedirect($"{SignInPath}?message=ended");
    }

    /// <summary>A path on this site (one slash, no scheme, host or control character), else null: a return_url never leaves the console.</summary>
    public static string? LocalPath(string? url) =>
        url is { Length: > 1 and <= 2048 } && url[0] == '/' && url[1] is not ('/' or '\\') && !url.Any(char.IsControl) ? url : null;
}
