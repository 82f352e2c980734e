using Aventora.Admin.Web.Api;
using Aventora.Admin.Web.Session;
using Microsoft.AspNetCore.Authentication.Cookies;
using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Aventora.Admin.Web;

public static class ConsoleServices
{
    /// <summary>
    /// Cookie sign-in: the cookie holds a random session id (HttpOnly, SameSite=Strict, Secure whenever the request is HTTPS, as it
    /// is behind a trusted TLS proxy), and the ticket with the API key stays on the server (<see cref="ConsoleSessionStore"/>), so
    /// signing out ends the session for every copy of the cookie. DataProtection:KeysFolder, when set, keeps the console's own keys
    /// (cookie and antiforgery, not the services' key ring) across restarts.
    /// </summary>
    public static IServiceCollection AddConsoleSession(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var dataProtection = services.AddDataProtection().SetApplicationName("Aventora.Admin.Web");
        if (configuration["DataProtection:KeysFolder"] is { Length: > 0 } folder)
            dataProtection.PersistKeysToFileSystem(OwnerOnlyFolder(Path.Combine(folder, "admin-web")));
        services.AddDistributedMemoryCache(); // a no-op when a shared IDistributedCache was registered first
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ITicketStore, ConsoleSessionStore>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "aventora_console";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = SignInEndpoints.SignInPath;
            cookie.LogoutPath = "/account/signout";
            cookie.ReturnUrlParameter = "return_url";
            cookie.SlidingExpiration = false;
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<ConsoleOptions>, ITicketStore>((cookie, console, sessions) =>
            {
                cookie.ExpireTimeSpan = console.Value.SessionLifetime;
                cookie.SessionStore = sessions;
            });
        services.AddTrustedProxies(configuration);
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<ConsoleSession>();
        return services;
    }

    /// <summary>X-Forwarded-For and X-Forwarded-Proto, believed only from loopback and TrustedProxies; HSTS for a year (Production only, see Program).</summary>
    private static void AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrustedProxiesOptions>().Bind(configuration.GetSection(TrustedProxiesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxiesOptions>>((forwarded, trusted) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = trusted.Value.ForwardLimit;
            foreach (var address in trusted.Value.Addresses) forwarded.KnownProxies.Add(IPAddress.Parse(address));
            foreach (var network in trusted.Value.Networks) forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(365));
    }

    /// <summary>The console's key folder, 0700 on Unix when this process creates it.</summary>
    private static DirectoryInfo OwnerOnlyFolder(string path) => OperatingSystem.IsWindows()
        ? Directory.CreateDirectory(path)
        : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    public static IServiceCollection AddIngressApiClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngressApiOptions>().Bind(configuration.GetSection(IngressApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StatusVocabulary>();
        services.AddHttpClient<IngressApiClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<IngressApiOptions>>().Value;
            http.BaseAddress = options.BaseUrl;
            http.Timeout = options.Timeout;
        });
        return services;
    }
}
