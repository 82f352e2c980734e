using Aventora.Admin.Web.Api;
using Aventora.Admin.Web.Session;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Aventora.Admin.Web;

public static class ConsoleServices
{
    /// <summary>
    /// Cookie sign-in: the ticket (with the API key) is encrypted by Data Protection and the cookie is HttpOnly and SameSite=Strict,
    /// so neither the page's JavaScript nor another site can read or send it. DataProtection:KeysFolder, when set, keeps the keys
    /// across restarts (otherwise a restart signs everybody out).
    /// </summary>
    public static IServiceCollection AddConsoleSession(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var dataProtection = services.AddDataProtection().SetApplicationName("Aventora.Admin.Web");
        if (configuration["DataProtection:KeysFolder"] is { Length: > 0 } folder)
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(folder, "admin-web")));
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
            .Configure<IOptions<ConsoleOptions>>((cookie, console) => cookie.ExpireTimeSpan = console.Value.SessionLifetime);
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<ConsoleSession>();
        return services;
    }

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
