using Aventora.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace Aventora.IntegrationTests.Console;

/// <summary>Admin.Web in-process on a free loopback port, pointed at the run's Ingress.Api, as scripts/run.sh wires it.</summary>
public sealed class ConsoleHost : WebApplicationFactory<AdminWebEntryPoint>
{
    private static readonly SemaphoreSlim Starting = new(1, 1);
    private static ConsoleHost? _shared;
    private readonly SystemFixture _system;
    private readonly string _environment;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    private ConsoleHost(SystemFixture system, int port, string environment = "Testing", IReadOnlyDictionary<string, string?>? settings = null)
    {
        _system = system;
        _environment = environment;
        _settings = settings ?? new Dictionary<string, string?>();
        Port = port;
        UseKestrel(port);
    }

    /// <summary>A console of the test's own (dispose it), in another environment or with settings of its own.</summary>
    public static async Task<ConsoleHost> StartOwnAsync(SystemFixture system, string environment, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = new ConsoleHost(system, FreePort.Next(), environment, settings);
        await Task.Run(host.StartServer);
        return host;
    }

    public int Port { get; }

    public string Url(string path = "/") => $"http://127.0.0.1:{Port}{path}";

    /// <summary>One console for the run's system, started by the first browser test that needs it.</summary>
    public static async Task<ConsoleHost> ForAsync(SystemFixture system)
    {
        await Starting.WaitAsync();
        try
        {
            if (_shared is null || _shared._system != system)
            {
                var host = new ConsoleHost(system, FreePort.Next());
                await Task.Run(host.StartServer);
                _shared = host;
            }
            return _shared;
        }
        finally
        {
            Starting.Release();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.UseStaticWebAssets(); // MudBlazor's CSS and scripts from its package, as in development
        builder.UseSetting("urls", Url());
        builder.UseSetting("IngressApi:BaseUrl", _system.Ingress.BaseAddress.ToString());
        builder.UseSetting("Console:PollInterval", "00:00:00.300");
        builder.UseSetting("DataProtection:KeysFolder", _system.KeysFolder);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }
}

/// <summary>
/// Debian's Chromium (installed by scripts/infra.sh with AVENTORA_WITH_BROWSER=1), headless, driven by Playwright: never
/// Playwright's own browser download. One browser per test class; each test opens its own context (cookies of its own).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = FindChromium(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    private static string FindChromium()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, "chromium");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("chromium is not on PATH: run `AVENTORA_WITH_BROWSER=1 bash scripts/infra.sh` (Debian's chromium package).");
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
    }
}

/// <summary>What a person does in the console, a few words per step.</summary>
public static class ConsoleSteps
{
    public static async Task SignInAsync(this IPage page, ConsoleHost console, string apiKey)
    {
        await page.GotoAsync(console.Url("/signin"));
        await page.GetByLabel("API key").FillAsync(apiKey);
        // The redirect is waited for as soon as it commits: the load event of a Blazor page on a busy machine can trail
        // far behind, and the heading (rendered on the server) says the page is there.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/send"), new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
        await page.GetByRole(AriaRole.Heading, new() { Name = "Send one" }).WaitForAsync(new() { Timeout = 60_000 });
    }

    /// <summary>Chooses an option of a MudSelect, found by its input's id.</summary>
    public static async Task ChooseAsync(this IPage page, string inputId, string option)
    {
        await page.Locator($"#{inputId}").Locator("xpath=ancestor::div[contains(@class,'mud-select')][1]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = option }).First.ClickAsync();
        await page.Locator(".mud-popover-open").WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    /// <summary>Saves a screenshot of the screen for the README, under docs/screenshots of the repository.</summary>
    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.EvaluateAsync("window.scrollTo(0, 0)"); // the app bar is fixed: from the top it sits where it belongs
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aventora.sln"))) return dir.FullName;
        }
        return Path.GetTempPath();
    }
}
