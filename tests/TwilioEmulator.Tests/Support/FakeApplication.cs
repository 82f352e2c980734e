using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;

namespace Aventora.TwilioEmulator.Tests.Support;

/// <summary>What the fake application received from the emulator.</summary>
public sealed record ReceivedWebhook(string Path, string Url, string Method, IReadOnlyList<KeyValuePair<string, string>> Form, string? Signature)
{
    public IReadOnlyDictionary<string, string> Values => Form.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value);
}

/// <summary>
/// A tiny real Kestrel app standing in for Aventora: records every webhook and answers with the TwiML (or text)
/// a test registered for the path.
/// </summary>
public sealed class FakeApplication : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, Func<ReceivedWebhook, (int Status, string Body)>> _routes = new();
    private WebApplication _app = null!;

    public Uri BaseAddress { get; private set; } = null!;
    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public static async Task<FakeApplication> StartAsync()
    {
        var fake = new FakeApplication();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        fake._app = builder.Build();
        fake._app.Run(fake.HandleAsync);
        await fake._app.StartAsync();
        fake.BaseAddress = new Uri(fake._app.Urls.Single().TrimEnd('/') + "/");
        return fake;
    }

    public void Serve(string path, Func<ReceivedWebhook, (int Status, string Body)> answer) => _routes["/" + path.TrimStart('/')] = answer;

    public void ServeTwiml(string path, string twiml) => Serve(path, _ => (200, twiml));

    public IReadOnlyList<ReceivedWebhook> At(string path) => Received.Where(r => r.Path == "/" + path.TrimStart('/')).ToList();

    /// <summary>Bounded poll: callbacks arrive in the background.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(string path, Func<IReadOnlyList<ReceivedWebhook>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var received = At(path);
            if (done(received)) return received;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited for webhooks at {path}; got {received.Count}");
            await Task.Delay(25);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var form = new List<KeyValuePair<string, string>>();
        if (context.Request.HasFormContentType)
            foreach (var (name, values) in await context.Request.ReadFormAsync())
                form.AddRange(values.Select(v => new KeyValuePair<string, string>(name, v ?? "")));
        var received = new ReceivedWebhook(context.Request.Path, context.Request.GetEncodedUrl(), context.Request.Method, form,
            context.Request.Headers["X-Twilio-Signature"].FirstOrDefault());
        _received.Enqueue(received);

        var (status, body) = _routes.TryGetValue(context.Request.Path, out var answer) ? answer(received) : (200, "");
        context.Response.StatusCode = status;
        context.Response.ContentType = body.TrimStart().StartsWith('<') ? "text/xml" : "text/plain";
        await context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
