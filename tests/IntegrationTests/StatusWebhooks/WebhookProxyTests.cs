using System.Net;
using Aventora.Dispatcher.Worker.StatusWebhooks;
using Aventora.Domains.StatusWebhooks;
using Microsoft.Extensions.Options;

namespace Aventora.IntegrationTests.StatusWebhooks;

/// <summary>
/// The webhook sender never goes through a proxy (HTTPS_PROXY, or one set on the process): through a proxy, the address check
/// would see the proxy's address instead of the customer's endpoint, and a webhook pointing at a private address would be
/// carried there by the proxy. Here the proxy is an allowed local host and the endpoint a private address: the delivery must be
/// refused for the endpoint's address, not attempted through the proxy.
/// </summary>
public sealed class WebhookProxyTests
{
    [Fact]
    public async Task A_configured_proxy_is_not_used_and_the_endpoints_own_address_is_checked()
    {
        var options = new StatusWebhookOptions { AllowHttpHosts = ["10.1.2.3"], AllowedPrivateHosts = ["localhost"] };
        using var handler = StatusWebhookSender.Handler(new StatusWebhookTarget(new FixedOptions(options)));
        handler.Proxy = new WebProxy("http://localhost:9"); // what HTTPS_PROXY / HTTP_PROXY would give every handler that uses a proxy
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync("http://10.1.2.3/hooks", new StringContent("{}")));

        Assert.IsType<StatusWebhookRefusedException>(failure.InnerException);
        Assert.Equal(StatusWebhookTarget.PrivateHostRefused, failure.InnerException!.Message);
    }

    private sealed class FixedOptions(StatusWebhookOptions value) : IOptionsMonitor<StatusWebhookOptions>
    {
        public StatusWebhookOptions CurrentValue => value;
        public StatusWebhookOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<StatusWebhookOptions, string?> listener) => null;
    }
}
