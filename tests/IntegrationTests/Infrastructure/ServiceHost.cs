using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>One of the four services, run in-process on a real Kestrel port with its own Program and the run's settings.</summary>
public sealed class ServiceHost<TEntryPoint> : WebApplicationFactory<TEntryPoint> where TEntryPoint : class
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly LogCapture _logs;

    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replacements for the service's own registrations (e.g. a test clock).</param>
    public ServiceHost(int port, IReadOnlyDictionary<string, string?> settings, LogCapture logs, Action<IServiceCollection>? services = null)
    {
        Port = port;
        _settings = settings;
        _logs = logs;
        _services = services;
        UseKestrel(port);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("urls", BaseAddress.ToString());
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<ILogEventSink>(_logs);
            _services?.Invoke(services);
        });
    }

    public HttpClient CreateHttpClient(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        if (apiKey is not null) http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return http;
    }
}

public static class FreePort
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
