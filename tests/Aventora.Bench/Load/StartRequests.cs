using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Aventora.Bench.Load;

/// <summary>How one <c>POST /start</c> ended: its HTTP status, or a client-side failure.</summary>
public readonly record struct StartOutcome(int Index, string Channel, int Status, TimeSpan Latency, DateTimeOffset AnsweredAt)
{
    public const int ClientError = 0;
    public const int Timeout = -1;
    public bool Accepted => Status == 202;
}

/// <summary>
/// Sends <c>POST /start</c> from <c>concurrency</c> loops over one connection pool of that size, each loop sending its
/// next request as soon as the last one was answered (closed loop: the figure is what the server sustains).
/// Bounded by a count, a duration, or both.
/// </summary>
public sealed class StartRequests(HttpClient http, string apiKey, string domain, Recipients recipients)
{
    private const string TemplateSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e"; // a content template's shape: HX and 32 hex digits
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<List<StartOutcome>> RunAsync(
        int concurrency, int? count, TimeSpan? duration, Func<int, string> channelOf, CancellationToken ct)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var outcomes = new List<StartOutcome>();
            while (!ct.IsCancellationRequested)
            {
                if (duration is { } d && clock.Elapsed >= d) break;
                var index = Interlocked.Increment(ref next);
                if (count is { } c && index >= c) break;
                outcomes.Add(await SendAsync(index, channelOf(index), ct));
            }
            return outcomes;
        }, ct)).ToList();
        return (await Task.WhenAll(loops)).SelectMany(o => o).OrderBy(o => o.Index).ToList();
    }

    public async Task<StartOutcome> SendAsync(int index, string channel, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "start")
        {
            Content = new ByteArrayContent(Body(index, channel)) { Headers = { ContentType = Json } },
        };
        request.Headers.Add("X-Api-Key", apiKey);
        var started = Stopwatch.GetTimestamp();
        int status;
        try
        {
            using var response = await http.SendAsync(request, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            status = (int)response.StatusCode;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            status = StartOutcome.Timeout;
        }
        catch (HttpRequestException)
        {
            status = StartOutcome.ClientError;
        }
        return new StartOutcome(index, channel, status, Stopwatch.GetElapsedTime(started), DateTimeOffset.UtcNow);
    }

    /// <summary>The request a CRM would send: a short instruction, a name, and for WhatsApp messages a template (the person has not written in 24 h).</summary>
    public byte[] Body(int index, string channel)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("phone_number", recipients.For(index));
            json.WriteString("channel", channel);
            json.WriteString("type", "informational");
            json.WriteString("instruction", "Remind them of their appointment tomorrow at 10:00 and offer to reschedule if that no longer suits.");
            json.WriteString("domain_name", domain);
            json.WriteString("name", $"Person {index}");
            if (channel == "wmsg")
            {
                json.WriteString("content_sid", TemplateSid);
                json.WriteString("content_variables", $"{{\"1\":\"Person {index}\",\"2\":\"tomorrow 10:00\"}}");
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A client for load: one pool of <paramref name="connections"/> connections, each request bounded by <paramref name="timeout"/>.</summary>
    public static HttpClient LoadClient(Uri baseAddress, int connections, TimeSpan timeout) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
            UseProxy = false,
        })
        { BaseAddress = baseAddress, Timeout = timeout };
}

/// <summary>Spreads channels over request indexes by weight, evenly interleaved, the same on every run.</summary>
public sealed class ChannelMix
{
    private readonly string[] _pattern;

    public ChannelMix(IReadOnlyList<(string Channel, int Weight)> weights)
    {
        var total = weights.Sum(w => w.Weight);
        var pattern = new List<string>(total);
        var credit = weights.Select(_ => 0.0).ToArray();
        for (var slot = 0; slot < total; slot++)
        {
            // Largest accumulated share goes next: every channel appears at its rate all through the run.
            for (var w = 0; w < weights.Count; w++) credit[w] += (double)weights[w].Weight / total;
            var pick = Array.IndexOf(credit, credit.Max());
            credit[pick] -= 1;
            pattern.Add(weights[pick].Channel);
        }
        _pattern = pattern.ToArray();
    }

    public string For(int index) => _pattern[index % _pattern.Length];
}
