using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Aventora.Domains.Metadata;
using Aventora.IntegrationTests.Conversations;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.IntegrationTests.Voice;
using Aventora.Ingress.Api.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Issue 22's promise under a flood: while loops from another address post forged callbacks, unsigned inbound messages and
/// forged TwiML fetches naming a real tenant (in odd spellings) and made-up ones, send made-up keys and no key, and open Media
/// Streams with bad tokens, that tenant sends an sms, places a call, gets an inbound sms answered and reads its balance; every
/// flood answer is a 4xx (a 1008 close for a stream), never a 5xx.
/// The run's own Ingress keeps its default budgets, as production would, and the flood comes from 127.0.0.2: Twilio's callbacks
/// (the emulator) and the tenant come from 127.0.0.1, as in production Twilio's addresses and a customer's are not the
/// attacker's. From 127.0.0.1 itself the flood could not starve them either: it stays far below the default `twilio` budget
/// (10,000/s) on this machine, and what it sent per second is printed; a budget set below the flood's rate would starve the
/// callbacks of Twilio's address (README, "Rate limits": the budget must stay above Twilio's peak per address).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class UnauthenticatedFloodTests(SystemFixture system, ITestOutputHelper output)
{
    private const string Attacker = "127.0.0.2";
    private const int Loops = 6;
    private const long Credits = 100_000;
    /// <summary>The flood runs at least this long, and on until the tenant's operations are done.</summary>
    private static readonly TimeSpan FloodAtLeast = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan FloodAtMost = TimeSpan.FromSeconds(60);

    /// <summary>Flood answers by "budget kind answer"; those that are not a refusal (a 4xx, or a 1008 close) also in <see cref="_unexpected"/>.</summary>
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentDictionary<string, int> _unexpected = new();

    [Fact]
    public async Task Under_a_flood_of_unauthenticated_requests_the_tenant_keeps_working_and_no_answer_is_a_5xx()
    {
        var tenant = await ConversationDomain.CreateAsync(system, "flooded");
        var cache = system.Ingress.Services.GetRequiredService<DomainMetadataCache>();
        var madeUp = Api.NewDomainName("nosuch");
        using var attacker = new HttpClient(SourceAddress.Handler(Attacker)) { BaseAddress = system.Ingress.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var attackerSockets = new HttpMessageInvoker(SourceAddress.Handler(Attacker));

        using var stop = new CancellationTokenSource(FloodAtMost);
        var clock = Stopwatch.StartNew();
        var flood = Enumerable.Range(0, Loops).Select(loop => Task.Run(async () =>
        {
            for (var i = loop; !stop.IsCancellationRequested; i += Loops) await SendForgedAsync(attacker, tenant, madeUp, i);
        })).Append(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) await OpenForgedStreamAsync(attackerSockets, tenant);
        })).ToList();

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1)); // the flood is under way (and the attacker's budgets spent) before the tenant starts
            await TenantWorksAsync(tenant);
            var rest = FloodAtLeast - clock.Elapsed;
            if (rest > TimeSpan.Zero) await Task.Delay(rest);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flood);
        }
        var seconds = clock.Elapsed.TotalSeconds;

        var total = _answers.Values.Sum();
        output.WriteLine($"flood: {total} requests and stream starts in {seconds:0.0} s from {Attacker} ({total / seconds:0}/s), {Loops} HTTP loops and one stream loop");
        foreach (var (answer, count) in _answers.OrderBy(a => a.Key)) output.WriteLine($"  {answer}: {count} ({count / seconds:0.0}/s)");
        var twilioPath = _answers.Where(a => a.Key.StartsWith("twilio ")).Sum(a => a.Value);
        output.WriteLine($"  on Twilio's webhooks: {twilioPath / seconds:0}/s (the `twilio` budget's default: 10,000/s per address)");

        Assert.All(Enum.GetNames<Kind>(), kind => Assert.Contains(_answers.Keys, a => a.StartsWith(Budget(Enum.Parse<Kind>(kind)) + " " + kind + " ")));
        Assert.True(_unexpected.IsEmpty, "flood answers other than a 4xx or a 1008 close:\n" + string.Join("\n", _unexpected.Select(a => $"{a.Key}: {a.Value}")));
        Assert.False(cache.Holds(madeUp), "the flood put a made-up domain into Ingress's domain cache");
    }

    /// <summary>The tenant, from its own address with its own key and account: an sms, a call, an inbound sms answered, its balance.</summary>
    private async Task TenantWorksAsync(ConversationDomain tenant)
    {
        using var own = system.Ingress.CreateHttpClient(tenant.Key);
        var balance = await own.GetAsync($"/domains/{tenant.Name}/balance");
        Assert.Equal(200, (int)balance.StatusCode);
        Assert.Equal(Credits, (await balance.JsonAsync())["balance"]!.GetValue<long>());

        string texted = SystemFixture.UniqueNumber(), called = SystemFixture.UniqueNumber(), writer = SystemFixture.UniqueNumber();
        var sms = await (await own.PostAsJsonAsync("/start", Api.StartBody(texted, "sms", "informational", "Your order is ready", tenant.Name))).AcceptedRequestIdAsync();
        var call = await (await own.PostAsJsonAsync("/start", Api.StartBody(called, "phone", "informational", "Your order is ready", tenant.Name))).AcceptedRequestIdAsync();
        var wrote = await tenant.PersonWritesAsync(system, writer, "Hi, is my order ready?");
        Assert.Equal(200, wrote.Status);

        var delivered = await system.RequestWhenAsync(sms, r => r.Str("status") is "delivered" or "failed", "the tenant's sms to be delivered", tenant.Key);
        Assert.Equal("delivered", delivered.Str("status"));
        Assert.Equal(tenant.AccountSid, (await system.Emulator.GetMessageAsync(delivered.Str("twilio_sid")))!.AccountSid);
        var completed = await system.RequestWhenAsync(call, r => r.Str("status") is "completed" or "failed", "the tenant's call to end", tenant.Key);
        Assert.Equal("completed", completed.Str("status"));
        Assert.Equal(tenant.AccountSid, (await system.Emulator.WaitForCallEndAsync(completed.Str("twilio_sid"))).AccountSid);
        Assert.Single(await system.MessagesToAsync(writer, 1)); // the assistant answered the person who wrote

        // An sms (3), a connected informational call (Billing:CallPrices:informational, 10) and the answer (3), read with the tenant's key.
        await Eventually.Get(async () => await own.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/domains/{tenant.Name}/balance"),
            b => b["balance"]!.GetValue<long>() == Credits - 3 - 10 - 3 && b["reserved"]!.GetValue<long>() == 0, "the tenant's balance to settle");
    }

    private enum Kind { StatusCallback, CallCallback, InboundSms, InboundWhatsApp, TwimlFetch, StartMadeUpKey, StartNoKey, BalanceBadKey }

    /// <summary>The budget a kind is charged to: Twilio's webhooks by address, the rest anonymous.</summary>
    private static string Budget(Kind kind) => kind is Kind.StartMadeUpKey or Kind.StartNoKey or Kind.BalanceBadKey ? "anonymous" : "twilio";

    private async Task SendForgedAsync(HttpClient attacker, ConversationDomain tenant, string madeUp, int i)
    {
        var kind = (Kind)(i % Enum.GetValues<Kind>().Length);
        string[] spellings = [tenant.Name.ToUpperInvariant(), " " + tenant.Name + " ", tenant.Name, madeUp, Api.NewDomainName("nosuch"), "not a domain!"];
        var domain = Uri.EscapeDataString(spellings[i / 8 % spellings.Length]);
        var wrongToken = i % 2 == 0 ? null : "not-the-tenants-token";
        var sid = Guid.NewGuid().ToString("N");
        var person = SystemFixture.UniqueNumber();
        using var request = kind switch
        {
            Kind.StatusCallback => Callback($"/twilio/status/message?channel=sms&domain={domain}&request_id={Guid.NewGuid()}", wrongToken,
                ("MessageSid", "SM" + sid), ("AccountSid", tenant.AccountSid), ("MessageStatus", "undelivered"), ("ErrorCode", "21610")),
            Kind.CallCallback => Callback($"/twilio/status/call?channel=phone&domain={domain}&request_id={Guid.NewGuid()}", wrongToken,
                ("CallSid", "CA" + sid), ("AccountSid", tenant.AccountSid), ("CallStatus", "completed")),
            Kind.InboundSms => Callback("/sms/webhook", wrongToken,
                ("MessageSid", "SM" + sid), ("AccountSid", tenant.AccountSid), ("From", person), ("To", tenant.SmsNumber), ("Body", "STOP")),
            Kind.InboundWhatsApp => Callback("/whatsapp/webhook", wrongToken,
                ("MessageSid", "SM" + sid), ("AccountSid", tenant.AccountSid), ("From", "whatsapp:" + person), ("To", "whatsapp:" + tenant.WhatsAppNumber), ("Body", "hi")),
            Kind.TwimlFetch => Callback($"/voice/twiml/{Guid.NewGuid()}?channel=phone&domain={domain}", wrongToken,
                ("CallSid", "CA" + sid), ("AccountSid", tenant.AccountSid)),
            Kind.StartMadeUpKey => Keyed(HttpMethod.Post, "/start", "av_" + sid, JsonContent.Create(Api.StartBody(person, "sms", "informational", "Pay now", tenant.Name))),
            Kind.StartNoKey => Keyed(HttpMethod.Post, "/start", null, JsonContent.Create(Api.StartBody(person, "sms", "informational", "Pay now", tenant.Name))),
            _ => Keyed(HttpMethod.Get, $"/domains/{domain}/balance", "av_" + sid, null),
        };
        try
        {
            using var response = await attacker.SendAsync(request);
            var status = (int)response.StatusCode;
            var limit = status == 429 ? $" ({(await response.JsonAsync()).Str("limit")})" : "";
            Count($"{Budget(kind)} {kind} {status}{limit}", refused: status is >= 400 and < 500);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Count($"{Budget(kind)} {kind} failed: {e.GetType().Name}", refused: false);
        }
    }

    private HttpRequestMessage Callback(string pathAndQuery, string? signedWith, params (string Key, string Value)[] fields)
    {
        var form = fields.ToDictionary(f => f.Key, f => f.Value);
        var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        if (signedWith is not null)
            request.Headers.Add(TwilioSignature.Header, TwilioSignature.Compute(signedWith, system.Settings["Ingress:PublicBaseUrl"] + pathAndQuery, form));
        return request;
    }

    private static HttpRequestMessage Keyed(HttpMethod method, string path, string? key, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return request;
    }

    /// <summary>A Media Stream naming a made-up request with a bad token: Voice.Worker must close it 1008, before any database work.</summary>
    private async Task OpenForgedStreamAsync(HttpMessageInvoker attacker, ConversationDomain tenant)
    {
        try
        {
            using var socket = await system.OpenStreamAsync(Guid.NewGuid(), tenant.AccountSid, "CA" + Guid.NewGuid().ToString("N"),
                "4102444800.not-a-signature", invoker: attacker);
            var closed = await socket.ClosedWithAsync(TimeSpan.FromSeconds(10));
            Count($"stream bad token closed {(closed is { } c ? ((int)c).ToString() : "none")}", refused: closed == WebSocketCloseStatus.PolicyViolation);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException)
        {
            Count($"stream bad token failed: {e.Message}", refused: false);
        }
    }

    private void Count(string answer, bool refused)
    {
        _answers.AddOrUpdate(answer, 1, (_, n) => n + 1);
        if (!refused) _unexpected.AddOrUpdate(answer, 1, (_, n) => n + 1);
    }
}
