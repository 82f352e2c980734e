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

    private WebApplication? _app;

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
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress };
        Admin = new EmulatorClient(Http);
    }

    /// <summary>The official SDK client, its https://api.twilio.com traffic rewritten to the emulator.</summary>
    public TwilioRestClient Twilio(string accountSid = AccountSid, string authToken = AuthToken) =>
        new(accountSid, authToken,
            httpClient: new SystemNetHttpClient(new HttpClient(new RedirectToEmulator(BaseAddress))));

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
