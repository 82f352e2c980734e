using Aventora.TwilioEmulator.Inspection;
using Microsoft.AspNetCore.Builder;
using Twilio.Clients;
using Twilio.Http;
using HttpClient = System.Net.Http.HttpClient;

namespace Aventora.TwilioEmulator.Tests.Support;

/// <summary>The emulator started in-process on a real loopback port, plus the clients tests talk to it with.</summary>
public sealed class RunningEmulator : IAsyncLifetime
{
    public const string AccountSid = "AC00000000000000000000000000000001";
    public const string AuthToken = "configured-token-1";

    private readonly string[] _extraArgs;
    private WebApplication? _app;

    public RunningEmulator() : this([]) { }

    private RunningEmulator(string[] extraArgs) => _extraArgs = extraArgs;

    /// <summary>A private emulator for one test, e.g. with other timing (--Emulator:StepDelayMs=...); dispose it.</summary>
    public static async Task<RunningEmulator> StartAsync(params string[] extraArgs)
    {
        var emulator = new RunningEmulator(extraArgs);
        await emulator.InitializeAsync();
        return emulator;
    }

    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public EmulatorClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = EmulatorApp.Create(
        [
            "--urls", "http://127.0.0.1:0",
            $"--Emulator:Accounts:0:Sid={AccountSid}",
            $"--Emulator:Accounts:0:AuthToken={AuthToken}",
            "--Emulator:StepDelayMs=10",
            "--Logging:LogLevel:Default=Warning",
            .. _extraArgs,
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress };
        Admin = new EmulatorClient(Http);
    }

    /// <summary>The official SDK client, its https://api.twilio.com traffic rewritten to the emulator.</summary>
    public TwilioRestClient Twilio(string accountSid = AccountSid, string authToken = AuthToken, TimeSpan? timeout = null) =>
        new(accountSid, authToken,
            httpClient: new SystemNetHttpClient(new HttpClient(new RedirectToEmulator(BaseAddress))
            {
                Timeout = timeout ?? TimeSpan.FromSeconds(100),
            }));

    /// <summary>A GET under Twilio's API root with HTTP Basic auth, as a hand-written client would send it.</summary>
    public Task<HttpResponseMessage> GetTwilioAsync(string pathAndQuery, string accountSid = AccountSid, string authToken = AuthToken)
    {
        var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, pathAndQuery.TrimStart('/'));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{accountSid}:{authToken}")));
        return Http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class RedirectToEmulator(Uri emulator) : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var original = request.RequestUri!;
            request.RequestUri = new UriBuilder(original) { Scheme = emulator.Scheme, Host = emulator.Host, Port = emulator.Port }.Uri;
            return base.SendAsync(request, ct);
        }
    }
}
