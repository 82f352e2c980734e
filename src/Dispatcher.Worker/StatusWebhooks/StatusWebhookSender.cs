using System.Net.Sockets;
using System.Text;
using Aventora.Domains.StatusWebhooks;
using Aventora.Persistence.StatusWebhooks;

namespace Aventora.Dispatcher.Worker.StatusWebhooks;

/// <summary>What one POST to a customer endpoint came to.</summary>
public sealed record StatusWebhookOutcome(bool Delivered, int? StatusCode, string? Error);

/// <summary>
/// POSTs a status event, signed (<see cref="StatusWebhookSignature"/>). The connection is made only to an address the
/// <see cref="StatusWebhookTarget"/> rules allow, resolved at connect time, and redirects are not followed, so a URL that was
/// public when it was saved cannot be turned towards the operator's network later.
/// </summary>
public sealed class StatusWebhookSender(HttpClient http, TimeProvider clock)
{
    public const string HttpClientName = "status-webhooks";

    public async Task<StatusWebhookOutcome> PostAsync(StatusWebhook webhook, StatusWebhookDeliveryRow delivery, CancellationToken cancellationToken)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(StatusWebhookSignature.Header, StatusWebhookSignature.Sign(webhook.SigningSecret, timestamp, delivery.Payload));
        request.Headers.Add("Aventora-Delivery-Id", delivery.Id.ToString());
        request.Headers.Add("Aventora-Event", delivery.EventType);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new StatusWebhookOutcome(true, status, null)
                : new StatusWebhookOutcome(false, status, $"The endpoint answered {status}.");
        }
        catch (HttpRequestException e)
        {
            return new StatusWebhookOutcome(false, null, e.InnerException is StatusWebhookRefusedException refused ? refused.Message : $"The endpoint could not be reached ({e.HttpRequestError}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new StatusWebhookOutcome(false, null, "The endpoint did not answer in time.");
        }
    }

    /// <summary>
    /// The handler behind the sender's HttpClient: connects only where <paramref name="target"/> allows, follows no redirect, and
    /// never through a proxy (HTTPS_PROXY would otherwise move the address check to the proxy and let it reach private addresses).
    /// </summary>
    public static SocketsHttpHandler Handler(StatusWebhookTarget target) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var (addresses, refusal) = await target.ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
            if (refusal is not null) throw new StatusWebhookRefusedException(refusal);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

/// <summary>The endpoint's host is not one a delivery may connect to; the message says why, and is safe to show the customer.</summary>
public sealed class StatusWebhookRefusedException(string message) : Exception(message);
