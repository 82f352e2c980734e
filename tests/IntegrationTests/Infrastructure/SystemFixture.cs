using System.Net.Http.Json;
using System.Security.Cryptography;
using Aventora.TwilioEmulator;
using Aventora.TwilioEmulator.Inspection;
using Microsoft.AspNetCore.Builder;
using Npgsql;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>
/// The whole system, once per test run: real RabbitMQ and PostgreSQL, the Twilio emulator, and the four services
/// in-process on real ports, wired as the README's run command wires them.
/// </summary>
public class SystemFixture : IAsyncLifetime
{
    public const string AdminKey = "integration-admin-key-0123456789";

    private static int _numbers;

    public Infrastructure Infrastructure { get; private set; } = null!;
    public WebApplication EmulatorApp { get; private set; } = null!;
    public EmulatorClient Emulator { get; private set; } = null!;
    public Uri EmulatorUrl { get; private set; } = null!;
    public ServiceHost<IngressApiEntryPoint> Ingress { get; private set; } = null!;
    public ServiceHost<DispatcherWorkerEntryPoint> Dispatcher { get; private set; } = null!;
    public ServiceHost<MessagingWorkerEntryPoint> Messaging { get; private set; } = null!;
    public ServiceHost<VoiceWorkerEntryPoint> Voice { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;
    public LogCapture Logs { get; } = new();
    public HttpClient Admin { get; private set; } = null!;

    /// <summary>The account behind TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN, the environment fallback.</summary>
    public (string Sid, string Token) EnvironmentAccount { get; } = NewAccountCredentials();
    public const string EnvironmentSmsNumber = "+14155550100";
    public const string EnvironmentPhoneNumber = "+14155550101";

    public IReadOnlyDictionary<string, string?> Settings { get; private set; } = null!;

    /// <summary>VoiceStream:SigningSecret, MaxConcurrentStreams, MaxStreamsPerDomain and MaxBufferedAudio of this run.</summary>
    public const string VoiceStreamSecret = "integration-voice-stream-secret-0123456789";
    public const int MaxConcurrentStreams = 3;
    public const int MaxStreamsPerDomain = 2;
    public static readonly TimeSpan MaxBufferedAudio = TimeSpan.FromSeconds(3);

    /// <summary>The host of the run's IMAP server (AVENTORA_TEST_IMAP), the one host the mailbox allow-lists open.</summary>
    public static string TestImapHost { get; } =
        Environment.GetEnvironmentVariable("AVENTORA_TEST_IMAP") is { } imap && imap.LastIndexOf(':') > 0 ? imap[..imap.LastIndexOf(':')] : "127.0.0.1";

    /// <summary>StatusWebhooks:MaxConcurrentPerDomain and BreakAfterFailures of this run.</summary>
    public const int StatusWebhookShare = 3;
    public const int StatusWebhookBreakAfterFailures = 12;

    /// <summary>Batches:MaxFileBytes of this run: small, so the oversized-file test stays small.</summary>
    public const long BatchMaxFileBytes = 256 * 1024;
    /// <summary>Batches:DropFolder of this run, one sub-folder per domain.</summary>
    public string DropFolder { get; } = Directory.CreateTempSubdirectory("aventora-drop-").FullName;
    /// <summary>DataProtection:KeysFolder of this run: one key ring the four services (and any extra Ingress host) share.</summary>
    public string KeysFolder { get; } = Directory.CreateTempSubdirectory("aventora-keys-").FullName;
    /// <summary>Batches:SpoolFolder of this run: where accepted batch files wait for the background publisher.</summary>
    public string SpoolFolder { get; } = Directory.CreateTempSubdirectory("aventora-spool-").FullName;

    public async Task InitializeAsync()
    {
        Infrastructure = await Infrastructure.StartAsync();
        Database = NpgsqlDataSource.Create(Infrastructure.PostgresConnectionString);

        // Media Streams play ten times faster than real time: the same frames, in less wall-clock time.
        EmulatorApp = Aventora.TwilioEmulator.EmulatorApp.Create(["--urls", "http://127.0.0.1:0", "--Emulator:StreamSpeed=10"]);
        await EmulatorApp.StartAsync();
        EmulatorUrl = new Uri(EmulatorApp.Urls.First());
        Emulator = new EmulatorClient(new HttpClient { BaseAddress = EmulatorUrl });
        await Emulator.AddAccountAsync(EnvironmentAccount.Sid, EnvironmentAccount.Token);

        var ingressPort = FreePort.Next();
        var voicePort = FreePort.Next();
        Settings = new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = Infrastructure.PostgresConnectionString,
            // Four services of a run share the server with other runs on the same machine: a small pool each.
            ["Postgres:MaxPoolSize"] = "10",
            ["RabbitMq:Host"] = Infrastructure.Broker.Host,
            ["RabbitMq:Port"] = Infrastructure.Broker.Port.ToString(),
            ["RabbitMq:VirtualHost"] = Infrastructure.Broker.VirtualHost,
            ["RabbitMq:Username"] = Infrastructure.Broker.Username,
            ["RabbitMq:Password"] = Infrastructure.Broker.Password,
            ["Ingress:PublicBaseUrl"] = $"http://127.0.0.1:{ingressPort}",
            ["Twilio:ApiBaseUrl"] = EmulatorUrl.ToString(),
            ["Admin:ApiKey"] = AdminKey,
            ["TWILIO_ACCOUNT_SID"] = EnvironmentAccount.Sid,
            ["TWILIO_AUTH_TOKEN"] = EnvironmentAccount.Token,
            ["TWILIO_SMS_NUMBER"] = EnvironmentSmsNumber,
            ["TWILIO_PHONE_NUMBER"] = EnvironmentPhoneNumber,
            ["Billing:MessageCredits"] = "3",
            ["Billing:DefaultCallCredits"] = "5",
            ["Billing:CallPrices:reminder"] = "7",
            ["Batches:MaxFileBytes"] = BatchMaxFileBytes.ToString(),
            ["Batches:DropFolder"] = DropFolder,
            ["DataProtection:KeysFolder"] = KeysFolder,
            ["Batches:DropPollInterval"] = "00:00:00.200",
            ["Batches:SpoolFolder"] = SpoolFolder,
            ["Idempotency:SweepInterval"] = "00:00:00.500",
            // Stream-mode calls open their Media Stream on Voice.Worker (plain ws on loopback here; Twilio needs wss).
            ["VoiceStream:PublicBaseUrl"] = $"ws://127.0.0.1:{voicePort}",
            ["VoiceStream:SigningSecret"] = VoiceStreamSecret,
            ["VoiceStream:MaxConcurrentStreams"] = MaxConcurrentStreams.ToString(),
            ["VoiceStream:MaxStreamsPerDomain"] = MaxStreamsPerDomain.ToString(),
            ["VoiceStream:MaxBufferedAudio"] = MaxBufferedAudio.ToString(),
            // The emulator plays streams ten times faster than real time (and catches up in bursts on a busy machine): the
            // pace lets that through here; production keeps a stream to real time (README, "Real-time voice").
            ["VoiceStream:MaxAudioSpeed"] = "20",
            ["VoiceStream:AudioBurst"] = "00:05:00",
            // Email-pull tests run pollers in Ingress hosts of their own, to stop and restart them.
            ["EmailPull:Enabled"] = "false",
            // The reconciler looks often and early here, so its tests run in seconds (defaults: README, "Guarantees").
            ["Reconciler:Interval"] = "00:00:00.200",
            ["Reconciler:UnconfirmedAfter"] = "00:00:00.200",
            ["Reconciler:StuckSendingAfter"] = "00:00:04",
            ["Reconciler:GiveUpAfter"] = "00:00:15",
            ["Reconciler:QuietAfter"] = "00:00:30",
            ["Reconciler:ReservationSweepAfter"] = "00:00:05",
            ["Reconciler:RecordRetryFor"] = "00:00:02",
            // Sender pacing stays out of the way of the other tests (they share the environment's long code); the pacing tests set
            // a rate per domain (README, "Campaign controls").
            ["Pacing:LongCodePerSecond"] = "10000",
            ["Pacing:TollFreePerSecond"] = "10000",
            ["Pacing:WhatsAppPerSecond"] = "10000",
            // The tests' services and the emulator share one process on a busy machine: slots spaced 50% wider than the rate absorb
            // the scheduling jitter between a slot and the emulator's clock (production default 20%, README "Campaign controls").
            ["Pacing:SafetyMargin"] = "0.5",
            ["Scheduler:PollInterval"] = "00:00:00.200",
            // The test Dovecot speaks plain IMAP on loopback: the operator's allow-lists open exactly that host.
            ["EmailPull:AllowPlainImapHosts:0"] = TestImapHost,
            ["EmailPull:AllowedPrivateHosts:0"] = TestImapHost,
            // Status webhooks: the test receivers listen on plain http on loopback; retries come fast and give up after a few seconds.
            ["StatusWebhooks:AllowHttpHosts:0"] = "127.0.0.1",
            ["StatusWebhooks:AllowedPrivateHosts:0"] = "127.0.0.1",
            ["StatusWebhooks:FirstRetryAfter"] = "00:00:00.200",
            ["StatusWebhooks:MaxRetryDelay"] = "00:00:01",
            ["StatusWebhooks:GiveUpAfter"] = "00:00:04",
            ["StatusWebhooks:RelayInterval"] = "00:00:00.100",
            // Fair shares: a domain POSTs 3 at once here; a circuit opens after more failures in a row than the retry tests make
            // (they expect every retry to reach the endpoint) and stays open longer than any test; an endpoint that hangs is
            // given longer than a test waits, so a test sees it hold its POSTs.
            ["StatusWebhooks:MaxConcurrentPerDomain"] = StatusWebhookShare.ToString(),
            ["StatusWebhooks:OverShareRetryAfter"] = "00:00:00.200",
            ["StatusWebhooks:BreakAfterFailures"] = StatusWebhookBreakAfterFailures.ToString(),
            ["StatusWebhooks:BreakFor"] = "00:05:00",
            ["StatusWebhooks:Timeout"] = "00:00:45",
            // Spans are recorded without an OTLP endpoint too, for the trace tests' in-process listener.
            ["Telemetry:Tracing"] = "on",
            ["Serilog:MinimumLevel:Default"] = "Debug",
            ["Serilog:MinimumLevel:Override:Microsoft"] = "Information",
            ["Serilog:MinimumLevel:Override:MassTransit"] = "Information",
        };

        // Ingress first: it applies the migrations the others then find done.
        Ingress = new ServiceHost<IngressApiEntryPoint>(ingressPort, Settings, Logs, ConfigureServices);
        await Task.Run(Ingress.StartServer);
        Dispatcher = new ServiceHost<DispatcherWorkerEntryPoint>(FreePort.Next(), Settings, Logs, ConfigureServices);
        Messaging = new ServiceHost<MessagingWorkerEntryPoint>(FreePort.Next(), Settings, Logs, ConfigureServices);
        Voice = new ServiceHost<VoiceWorkerEntryPoint>(voicePort, Settings, Logs, ConfigureServices);
        await Task.WhenAll(Task.Run(Dispatcher.StartServer), Task.Run(Messaging.StartServer), Task.Run(Voice.StartServer));
        Admin = Ingress.CreateHttpClient(AdminKey);
        await WaitUntilReadyAsync();
    }

    /// <summary>What every service of this system gets instead of its own registration (nothing here; a clocked system, its clock).</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) { }

    /// <summary>Stops the dispatcher (its schedule included) and starts a new one with the same settings: a worker restart.</summary>
    public async Task RestartDispatcherAsync()
    {
        await Dispatcher.DisposeAsync();
        Dispatcher = new ServiceHost<DispatcherWorkerEntryPoint>(FreePort.Next(), Settings, Logs, ConfigureServices);
        await Task.Run(Dispatcher.StartServer);
        using var http = new HttpClient { BaseAddress = Dispatcher.BaseAddress };
        await Eventually.Get(async () => (int?)(await http.GetAsync("/health/ready")).StatusCode, s => s == 200, "the new dispatcher to be ready", TimeSpan.FromSeconds(60));
    }

    private async Task WaitUntilReadyAsync()
    {
        foreach (var host in new[] { Ingress.BaseAddress, Dispatcher.BaseAddress, Messaging.BaseAddress, Voice.BaseAddress })
        {
            using var http = new HttpClient { BaseAddress = host };
            await Eventually.Get(async () => (int?)(await http.GetAsync("/health/ready")).StatusCode, s => s == 200, $"{host} to be ready", TimeSpan.FromSeconds(60));
        }
    }

    public static (string Sid, string Token) NewAccountCredentials() =>
        ("AC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    /// <summary>A new Twilio account, known to the emulator.</summary>
    public async Task<(string Sid, string Token)> NewAccountAsync()
    {
        var account = NewAccountCredentials();
        await Emulator.AddAccountAsync(account.Sid, account.Token);
        return account;
    }

    /// <summary>A valid number no other test uses.</summary>
    public static string UniqueNumber()
    {
        var n = Interlocked.Increment(ref _numbers) + Random.Shared.Next(0, 500_000) * 10;
        return $"+1415{2 + n / 1_000_000 % 8}{n % 1_000_000:000000}";
    }

    /// <summary>
    /// The person writes to the domain on WhatsApp, so free-text wmsg may reach them (the 24-hour window), through the public
    /// path: the emulator posts the signed inbound message to /whatsapp/webhook. Returns once the assistant has answered
    /// (by then the session holds when they wrote); that answer is a message to the person of its own, with no request id
    /// in its status callback (<see cref="Api.IsForRequest"/> tells them apart).
    /// </summary>
    public async Task PersonWroteOnWhatsAppAsync(string domain, params string[] people)
    {
        var technical = (await Admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/admin/domains/{domain}"))!["technical_json"]!.AsObject();
        string? Setting(string key) => technical[key]?.GetValue<string>();
        var account = Setting("twilio_whatsapp_account_sid") ?? Setting("twilio_account_sid") ?? EnvironmentAccount.Sid;
        var number = (Setting("twilio_whatsapp_number") ?? throw new InvalidOperationException($"domain {domain} has no twilio_whatsapp_number"))
            .Replace("whatsapp:", "");
        await Task.WhenAll(people.Select(async person =>
        {
            var answered = await Emulator.SendInboundMessageAsync(new InboundMessage(
                $"{Settings["Ingress:PublicBaseUrl"]}/whatsapp/webhook", account, person, number, "Hi, it's me", "whatsapp"));
            Assert.Equal(200, answered.Status);
            await Eventually.Get(() => Emulator.GetMessagesAsync(person), m => m.Count > 0, $"the answer to {person}, who wrote on WhatsApp");
        }));
    }

    public async Task<HttpResponseMessage> StartAsync(object body, string? apiKey = AdminKey)
    {
        using var http = Ingress.CreateHttpClient(apiKey);
        return await http.PostAsJsonAsync("/start", body);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new IAsyncDisposable?[] { Voice, Messaging, Dispatcher, Ingress })
        {
            if (host is not null) await host.DisposeAsync();
        }
        if (EmulatorApp is not null) await EmulatorApp.DisposeAsync();
        if (Database is not null) await Database.DisposeAsync();
        if (Infrastructure is not null) await Infrastructure.DisposeAsync();
        try { Directory.Delete(DropFolder, recursive: true); } catch (IOException) { }
        try { Directory.Delete(KeysFolder, recursive: true); } catch (IOException) { }
        try { Directory.Delete(SpoolFolder, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}
