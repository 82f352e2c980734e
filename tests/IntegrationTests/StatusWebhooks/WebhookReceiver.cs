using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aventora.IntegrationTests.StatusWebhooks;

/// <summary>One POST a customer's endpoint received: what it answered, the signature header, the raw body.</summary>
public sealed record ReceivedWebhook(int Answered, string? Signature, string Body)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
    public Guid RequestId => Json["request_id"]!.GetValue<Guid>();
    public int Sequence => Json["sequence"]!.GetValue<int>();
    public string Status => Json["status"]!.GetValue<string>();
}

/// <summary>A customer's endpoint on a real Kestrel port: records every POST, and answers 500 while told to fail.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url => _app.Urls.First() + "/events";

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    /// <summary>The next <paramref name="times"/> POSTs are answered 500.</summary>
    public void FailNext(int times) => Interlocked.Exchange(ref _failuresLeft, times);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/events", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? 500 : 200;
            receiver._received.Enqueue(new ReceivedWebhook(status, request.Headers["Aventora-Signature"].FirstOrDefault(), body));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
