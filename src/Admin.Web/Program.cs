using Aventora.Admin.Web;
using Aventora.Admin.Web.Api;
using Aventora.Admin.Web.Components;
using Aventora.Admin.Web.Session;
using MudBlazor.Services;
using Serilog;

// Admin.Web: the admin console. A client of Ingress.Api's public HTTP API only: no database, no broker.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets(); // MudBlazor's files when run from the build output (scripts/run.sh); a published app has them in wwwroot
builder.Services.AddSerilog((services, log) => log.ReadFrom.Configuration(builder.Configuration).WriteTo.Console());
builder.Services.AddRazorComponents().AddInteractiveServerComponents(); // server rendering: the API key never leaves the server
builder.Services.AddMudServices();
builder.Services.AddConsoleSession(builder.Configuration);   // sign-in cookie (Data Protection, HttpOnly) holding the key
builder.Services.AddIngressApiClient(builder.Configuration); // typed HttpClient for Ingress.Api, IngressApi:BaseUrl validated at startup

var app = builder.Build();
app.UseForwardedHeaders();                                   // HTTPS as the trusted TLS proxy saw it (TrustedProxies): Secure cookie, HSTS
if (app.Environment.IsProduction()) app.UseHsts();
app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapGet("/health/ready", () => Results.Ok(new { status = "ready" }));
app.MapSignInEndpoints();                                    // POST /account/signin, /account/signout (antiforgery); GET /account/ended
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
await app.RunAsync();

/// <summary>Lets tests host the console in-process.</summary>
public sealed partial class AdminWebEntryPoint;
