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

/// <summary>
/// A customer's endpoint on a real Kestrel port: records every POST, answers 500 while told to fail, and, while told to hold,
/// answers nothing until released (a slow endpoint), counting the POSTs it holds at once.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _failuresLeft;
    private TaskCompletionSource? _hold;
    private int _inFlight, _maxInFlight, _abandoned;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url => _app.Urls.First() + "/events";

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    /// <summary>The next <paramref name="times"/> POSTs are answered 500.</summary>
    public void FailNext(int times) => Interlocked.Exchange(ref _failuresLeft, times);

    /// <summary>From now on POSTs get no answer until <see cref="Release"/> (or the caller gives up).</summary>
    public void Hold() => Volatile.Write(ref _hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The held POSTs are answered, and later ones at once.</summary>
    public void Release() => Interlocked.Exchange(ref _hold, null)?.TrySetResult();

    /// <summary>POSTs being held (or answered) right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most POSTs this endpoint ever had at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Held POSTs the caller gave up on (timed out or hung up) before they were released.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/events", async (HttpRequest request) =>
        {
            var now = Interlocked.Increment(ref receiver._inFlight);
            for (var max = receiver.MaxInFlight; now > max; max = receiver.MaxInFlight)
                Interlocked.CompareExchange(ref receiver._maxInFlight, now, max);
            try { return await receiver.AnswerAsync(request); }
            finally { Interlocked.Decrement(ref receiver._inFlight); }
        });
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> AnswerAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        if (Volatile.Read(ref _hold) is { } hold)
        {
            try { await hold.Task.WaitAsync(request.HttpContext.RequestAborted); }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _abandoned);
                return Results.StatusCode(499);
            }
        }
        var status = Interlocked.Decrement(ref _failuresLeft) >= 0 ? 500 : 200;
        _received.Enqueue(new ReceivedWebhook(status, request.Headers["Aventora-Signature"].FirstOrDefault(), body));
        return Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.DisposeAsync();
    }
}
