using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Aventora.Bench.Load;
using Aventora.Bench.Observe;
using Aventora.Bench.Setup;

namespace Aventora.Bench.Phases;

/// <summary>What the tenant did in one window, and how it went.</summary>
public sealed record TenantWindow(
    int SmsSent, int SmsAccepted, int SmsAtTwilio, Percentiles AcceptToTwilio, int CallsSent, int CallsPlaced,
    int BalanceReads, int BalanceOk, Percentiles BalanceLatency, IReadOnlyDictionary<int, int> TenantStatuses);

/// <summary>The flood phase: the tenant alone, then under the flood; the flood's answers by status (a 5xx breaks the promise).</summary>
public sealed record FloodResult(
    int Seconds, int Connections, string Source, long FloodRequests, double FloodPerSecond,
    IReadOnlyDictionary<string, long> FloodAnswers, TenantWindow Quiet, TenantWindow Flooded)
{
    public long FloodServerErrors => FloodAnswers.Where(a => a.Key.StartsWith('5') || a.Key.StartsWith("client")).Sum(a => a.Value);

    public string ToMarkdown()
    {
        static string Ms(double? v) => v is { } ms ? $"{ms:N0}" : "–";
        var text = new StringBuilder();
        text.AppendLine($"Flood (issue 22): {FloodRequests:N0} unauthenticated requests in {Seconds} s from {Source} over {Connections} connections " +
                        $"({FloodPerSecond:N0}/s); answers: {string.Join(", ", FloodAnswers.OrderBy(a => a.Key).Select(a => $"{a.Key} {a.Value:N0}"))}" +
                        (FloodServerErrors == 0 ? "; no 5xx." : $"; {FloodServerErrors:N0} 5xx or failed: ✗."));
        text.AppendLine();
        text.AppendLine("| tenant, per window | without the flood | under the flood |");
        text.AppendLine("|---|---|---|");
        text.AppendLine($"| sms 202 / sent / created at Twilio | {Quiet.SmsAccepted} / {Quiet.SmsSent} / {Quiet.SmsAtTwilio} | {Flooded.SmsAccepted} / {Flooded.SmsSent} / {Flooded.SmsAtTwilio} |");
        text.AppendLine($"| sms 202 → Twilio accepted p50 / p95 (ms) | {Ms(Quiet.AcceptToTwilio.P50)} / {Ms(Quiet.AcceptToTwilio.P95)} | {Ms(Flooded.AcceptToTwilio.P50)} / {Ms(Flooded.AcceptToTwilio.P95)} |");
        text.AppendLine($"| calls placed / sent | {Quiet.CallsPlaced} / {Quiet.CallsSent} | {Flooded.CallsPlaced} / {Flooded.CallsSent} |");
        text.AppendLine($"| balance 200 / read, p50 / p95 (ms) | {Quiet.BalanceOk} / {Quiet.BalanceReads}, {Ms(Quiet.BalanceLatency.P50)} / {Ms(Quiet.BalanceLatency.P95)} | {Flooded.BalanceOk} / {Flooded.BalanceReads}, {Ms(Flooded.BalanceLatency.P50)} / {Ms(Flooded.BalanceLatency.P95)} |");
        text.AppendLine($"| tenant answers by status | {Statuses(Quiet)} | {Statuses(Flooded)} |");
        return text.ToString();
    }

    private static string Statuses(TenantWindow window) => string.Join(", ", window.TenantStatuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"));
}

/// <summary>
/// Issue 22's promise, measured: a tenant (its own key and Twilio account) sends an sms every tenth of a second, a call every
/// second and reads its balance, for BENCH_FLOOD_SECONDS alone and then as long again while BENCH_FLOOD_CONCURRENCY loops from
/// another address (BENCH_FLOOD_SOURCE, 127.0.0.2) send forged status callbacks and TwiML fetches naming the tenant in odd
/// spellings and made-up domains, unsigned inbound messages to its number, and POST /start and balance reads with made-up keys
/// or none. The flood's answers are counted by status; the tenant's figures are compared window to window.
/// </summary>
public sealed class FloodPhase(BenchSettings settings, BenchDomain tenant, string tenantSmsNumber, EmulatorRecords emulator)
{
    private static readonly TimeSpan TenantPace = TimeSpan.FromMilliseconds(100);
    private int _next = -1;

    public async Task<FloodResult> RunAsync(CancellationToken ct)
    {
        var window = TimeSpan.FromSeconds(settings.FloodSeconds);
        using var own = new HttpClient { BaseAddress = settings.IngressUrl, Timeout = settings.RequestTimeout };
        own.DefaultRequestHeaders.Add("X-Api-Key", tenant.ApiKey);
        (await own.GetAsync($"domains/{tenant.Name}/balance", ct)).EnsureSuccessStatusCode(); // the key is known before either window

        var quiet = await TenantAsync(own, window, ct);

        using var attacker = new HttpClient(FromAddress(settings.FloodSource, settings.FloodConcurrency))
        { BaseAddress = settings.IngressUrl, Timeout = settings.RequestTimeout };
        var answers = new ConcurrentDictionary<string, long>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        var flood = Enumerable.Range(0, settings.FloodConcurrency).Select(loop => Task.Run(async () =>
        {
            for (var i = loop; !stop.IsCancellationRequested; i += settings.FloodConcurrency)
                answers.AddOrUpdate(await SendForgedAsync(attacker, i, stop.Token), 1, (_, n) => n + 1);
        }, CancellationToken.None)).ToList();
        Window flooded;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // the attacker's budgets are spent before the tenant's window opens
            flooded = await TenantAsync(own, window, ct);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flood);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        answers.TryRemove("cancelled", out _);
        var total = answers.Values.Sum();
        return new FloodResult(settings.FloodSeconds, settings.FloodConcurrency, settings.FloodSource, total, total / seconds,
            answers.ToDictionary(), await AtTwilioAsync(quiet, ct), await AtTwilioAsync(flooded, ct));
    }

    private sealed record Window(List<(string To, DateTimeOffset At)> Sms, List<string> Calls, List<TimeSpan> Balance, ConcurrentDictionary<int, int> Statuses, int SmsSent, int BalanceOk);

    /// <summary>One window of the tenant's own traffic, paced, from the tenant's address (the default one).</summary>
    private async Task<Window> TenantAsync(HttpClient own, TimeSpan length, CancellationToken ct)
    {
        var sms = new List<(string, DateTimeOffset)>();
        var calls = new List<string>();
        var balance = new List<TimeSpan>();
        var statuses = new ConcurrentDictionary<int, int>();
        int smsSent = 0, balanceOk = 0;
        var clock = Stopwatch.StartNew();
        for (var turn = 0; clock.Elapsed < length; turn++)
        {
            var index = Interlocked.Increment(ref _next);
            var to = Recipients.Flood.For(index);
            var channel = turn % 10 == 9 ? "phone" : "sms";
            var status = await StatusOfAsync(() => own.PostAsJsonAsync("start", new
            {
                phone_number = to, channel, type = "informational", instruction = "Your order is ready for pickup.", domain_name = tenant.Name,
            }, ct));
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (channel == "sms") smsSent++;
            if (status == 202 && channel == "sms") sms.Add((to, DateTimeOffset.UtcNow));
            if (status == 202 && channel == "phone") calls.Add(to);
            if (turn % 5 == 0)
            {
                var started = Stopwatch.GetTimestamp();
                var read = await StatusOfAsync(() => own.GetAsync($"domains/{tenant.Name}/balance", ct));
                balance.Add(Stopwatch.GetElapsedTime(started));
                statuses.AddOrUpdate(read, 1, (_, n) => n + 1);
                if (read == 200) balanceOk++;
            }
            await Task.Delay(TenantPace, ct);
        }
        return new Window(sms, calls, balance, statuses, smsSent, balanceOk);
    }

    /// <summary>Waits (up to BENCH_STALL_SECONDS) until the window's sms and calls were created at Twilio, then reads their times.</summary>
    private async Task<TenantWindow> AtTwilioAsync(Window window, CancellationToken ct)
    {
        var wanted = window.Sms.Select(s => s.To).Concat(window.Calls).ToHashSet();
        var deadline = DateTime.UtcNow + settings.StallAfter;
        List<CreatedAtTwilio> created;
        do
        {
            var all = (await emulator.MessagesAsync(ct)).Concat(await emulator.CallsAsync(ct));
            created = all.Where(c => c.AccountSid == tenant.AccountSid && wanted.Contains(c.To)).ToList();
            if (created.Count >= wanted.Count) break;
            await Task.Delay(500, ct);
        } while (DateTime.UtcNow < deadline);
        var acceptedAt = window.Sms.ToDictionary(s => s.To, s => s.At);
        var messages = created.Where(c => c.Kind == "message" && acceptedAt.ContainsKey(c.To)).ToList();
        return new TenantWindow(window.SmsSent, window.Sms.Count, messages.Count, Percentiles.Of(messages.Select(m => m.DateCreated - acceptedAt[m.To])),
            window.Calls.Count, created.Count(c => c.Kind == "call"), window.Balance.Count, window.BalanceOk, Percentiles.Of(window.Balance),
            window.Statuses.ToDictionary());
    }

    private static async Task<int> StatusOfAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>One forged or keyless request of the i-th kind; answers "403", "429 (anonymous)", "client error" and so on.</summary>
    private async Task<string> SendForgedAsync(HttpClient attacker, int i, CancellationToken ct)
    {
        string[] spellings = [tenant.Name.ToUpperInvariant(), " " + tenant.Name + " ", tenant.Name, $"nosuch-{Guid.NewGuid():N}"[..24], "not a domain!"];
        var domain = Uri.EscapeDataString(spellings[i / 8 % spellings.Length]);
        var sid = Guid.NewGuid().ToString("N");
        var person = Recipients.Probe.For(i % 1000);
        using var request = (i % 8) switch
        {
            0 => Form($"twilio/status/message?channel=sms&domain={domain}&request_id={Guid.NewGuid()}",
                ("MessageSid", "SM" + sid), ("AccountSid", tenant.AccountSid), ("MessageStatus", "undelivered"), ("ErrorCode", "21610")),
            1 => Form($"twilio/status/call?channel=phone&domain={domain}&request_id={Guid.NewGuid()}",
                ("CallSid", "CA" + sid), ("AccountSid", tenant.AccountSid), ("CallStatus", "completed")),
            2 => Form("sms/webhook", ("MessageSid", "SM" + sid), ("AccountSid", tenant.AccountSid), ("From", person), ("To", tenantSmsNumber), ("Body", "STOP")),
            3 => Form("whatsapp/webhook", ("MessageSid", "SM" + sid), ("AccountSid", tenant.AccountSid), ("From", "whatsapp:" + person), ("To", "whatsapp:" + tenantSmsNumber), ("Body", "hi")),
            4 => Form($"voice/twiml/{Guid.NewGuid()}?channel=phone&domain={domain}", ("CallSid", "CA" + sid), ("AccountSid", tenant.AccountSid)),
            5 => Keyed(HttpMethod.Post, "start", "av_" + sid, JsonContent.Create(new { phone_number = person, channel = "sms", type = "informational", instruction = "Pay now", domain_name = tenant.Name })),
            6 => Keyed(HttpMethod.Post, "start", null, JsonContent.Create(new { phone_number = person, channel = "sms", type = "informational", instruction = "Pay now", domain_name = tenant.Name })),
            _ => Keyed(HttpMethod.Get, $"domains/{domain}/balance", i % 16 == 7 ? null : "av_" + sid, null),
        };
        try
        {
            using var response = await attacker.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            if (status != 429) return status.ToString();
            var body = await response.Content.ReadAsStringAsync(ct);
            return body.Contains("\"limit\":\"twilio\"") ? "429 (twilio)" : body.Contains("\"limit\":\"anonymous\"") ? "429 (anonymous)" : "429";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return "cancelled";
        }
        catch (TaskCanceledException)
        {
            return "client timeout";
        }
        catch (HttpRequestException)
        {
            return "client error";
        }
    }

    private static HttpRequestMessage Form(string path, params (string Key, string Value)[] fields) =>
        new(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))) };

    private static HttpRequestMessage Keyed(HttpMethod method, string path, string? key, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return request;
    }

    /// <summary>Connections bound to <paramref name="address"/> (any 127.x address is this machine), so Ingress charges the flood to it.</summary>
    private static SocketsHttpHandler FromAddress(string address, int connections) => new()
    {
        MaxConnectionsPerServer = connections,
        UseCookies = false,
        UseProxy = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            // localhost: the flood connects over IPv4 to reach Ingress from the bound address.
            var host = context.DnsEndPoint.Host == "localhost" ? IPAddress.Loopback : (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, AddressFamily.InterNetwork, ct))[0];
            await socket.ConnectAsync(new IPEndPoint(host, context.DnsEndPoint.Port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
