using Aventora.Bench;
using Aventora.Bench.Broker;
using Aventora.Bench.Load;
using Aventora.Bench.Observe;
using Aventora.Bench.Phases;
using Aventora.Bench.Report;
using Aventora.Bench.Setup;
using Npgsql;

// The load generator behind scripts/bench.sh: broker ceiling, Ingress, end to end, CSV batch — then one table.
// Exit 0: every integrity check held (targets missed are marked in the table); 1: an integrity check failed; 2: the run could not be made.
try
{
    var settings = BenchSettings.FromEnvironment();
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    var ct = cancel.Token;

    using var admin = new HttpClient { BaseAddress = settings.IngressUrl, Timeout = TimeSpan.FromMinutes(1) };
    using var emulatorHttp = new HttpClient { BaseAddress = settings.EmulatorUrl, Timeout = TimeSpan.FromMinutes(10) };
    await using var database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.Postgres) { MaxPoolSize = 4 }.ConnectionString);
    var emulator = new EmulatorRecords(emulatorHttp);
    var callLogs = new CallLogs(database);
    var memory = new ProcessMemory(settings.Processes);
    var cpu = new ProcessCpu(settings.Processes);
    var cpuByPhase = new Dictionary<string, IReadOnlyList<CpuUse>>();
    async Task<T?> Measured<T>(string name, Func<Task<T?>> run) where T : class
    {
        var before = cpu.Read();
        var result = await run();
        cpuByPhase[name] = ProcessCpu.Between(before, cpu.Read());
        return result;
    }
    void Say(string line) => Console.Error.WriteLine($"[bench] {line}");
    // A phase that cannot finish (the database restarted under it, say) is reported, and the others still run.
    var phaseErrors = new List<string>();
    async Task<T?> Phase<T>(string name, Func<Task<T>> run) where T : class
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is not OperationCanceledException and not BenchConfigurationException)
        {
            Say($"{name}: could not finish: {e.Message}");
            phaseErrors.Add($"{name} could not finish: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    Recipients.Probe.EnsureValid(1);
    if (settings.Runs("e2e")) Recipients.EndToEnd.EnsureValid(settings.Requests);
    if (settings.Runs("csv")) Recipients.Csv.EnsureValid(settings.Rows);
    if (settings.Runs("ingress")) Recipients.Ingress.EnsureValid(Recipients.Capacity);

    Task<BenchDomain> Domain(string phase, int block) =>
        BenchDomain.CreateAsync(admin, emulatorHttp, settings.AdminKey, $"bench-{phase}-{settings.RunId}".ToLowerInvariant(), block, ct);
    var probe = await Domain("probe", 10);

    var report = new BenchReport
    {
        RunAt = DateTimeOffset.UtcNow.ToString("u"),
        Machine = settings.Machine,
        Settings = new
        {
            n = settings.Requests, seconds = settings.Seconds, concurrency = settings.Concurrency, rows = settings.Rows,
            instances = settings.Instances, mix = string.Join(",", settings.Mix.Select(m => $"{m.Channel}:{m.Weight}")),
            csv_channels = string.Join(",", settings.CsvChannels), skip = string.Join(",", settings.Skip),
            postgres_pool_per_process = settings.PostgresPoolSize, broker_publishers = settings.BrokerPublishers,
        },
    };

    // The size of a real OutboundRequested on the wire, so the broker ceiling moves messages of the same weight.
    using (var probeClient = StartRequests.LoadClient(settings.IngressUrl, 1, settings.RequestTimeout))
    {
        var sender = new StartRequests(probeClient, probe.ApiKey, probe.Name, Recipients.Probe);
        var sent = 0;
        var bytes = await EnvelopeProbe.MeasureAsync(settings.RabbitMq, async c => (await sender.SendAsync(sent++, "sms", c)).Accepted, ct);
        report = bytes is { } b
            ? report with { EnvelopeBytes = b, EnvelopeNote = $"An OutboundRequested (sms) measured on the broker: {b:N0} bytes (MassTransit envelope, JSON)." }
            : report with { EnvelopeBytes = 1300, EnvelopeNote = "Could not capture an OutboundRequested from the broker; the broker ceiling used 1,300 bytes." };
        Say(report.EnvelopeNote!);
    }

    if (settings.Runs("broker"))
    {
        Say($"broker ceiling: {settings.BrokerPublishers} publishers with confirms, {settings.Seconds} s");
        var broker = await Phase("broker", () => new BrokerCeiling(settings.RabbitMq, settings.RunId)
            .RunAsync(report.EnvelopeBytes!.Value, settings.BrokerPublishers, TimeSpan.FromSeconds(settings.Seconds), TimeSpan.FromSeconds(60), ct));
        report = report with { Broker = broker };
        if (broker is not null) Say($"broker ceiling: {broker.ConfirmedPerSecond:N0} confirmed/s, {broker.ConsumedPerSecond:N0} consumed/s");
    }

    if (settings.Runs("ingress"))
    {
        Say($"ingress: POST /start (sms) for {settings.Seconds} s at {settings.Concurrency} connections");
        var ingress = await Measured("ingress", () => Phase("ingress", async () => await new IngressPhase(settings, await Domain("ingress", 11), callLogs, emulator).RunAsync(ct)));
        report = report with { Ingress = ingress };
        if (ingress is not null) Say($"ingress: {ingress.AcceptedPerSecond:N0} accepted/s, p99 {ingress.Latency.P99:N0} ms, {ingress.ReachedTwilio:N0} reached Twilio");
        await Phase("emulator reset", async () => { await emulator.ClearAsync(ct); return ""; });
    }

    if (settings.Runs("e2e"))
    {
        Say($"e2e: {settings.Requests:N0} requests ({string.Join(", ", settings.Mix.Select(m => $"{m.Channel} {m.Weight}"))}) at {settings.Concurrency} connections");
        var e2e = await Measured("e2e", () => Phase("e2e", async () => await new EndToEndPhase(settings, await Domain("e2e", 12), callLogs, emulator).RunAsync(ct)));
        report = report with { EndToEnd = e2e };
        if (e2e is not null) Say($"e2e: {e2e.RequestsPerSecond:N0} requests/s; lost {e2e.Integrity.Lost}, duplicated {e2e.Integrity.Duplicated}, mismatched {e2e.Integrity.Mismatched}");
        await Phase("emulator reset", async () => { await emulator.ClearAsync(ct); return ""; });
    }

    // Left out unless BENCH_FLOOD=1: a default run measures what it always did.
    FloodResult? flood = null;
    if (settings.Runs("flood"))
    {
        Say($"flood: a tenant alone for {settings.FloodSeconds} s, then as long under {settings.FloodConcurrency} flooding connections from {settings.FloodSource}");
        const int senderBlock = 14;
        flood = await Measured("flood", () => Phase("flood", async () =>
            await new FloodPhase(settings, await Domain("flood", senderBlock), $"+1202555{senderBlock:D2}01", emulator).RunAsync(ct)));
        if (flood is not null) Say($"flood: {flood.FloodPerSecond:N0} requests/s, {flood.FloodServerErrors} 5xx or failed");
        await Phase("emulator reset", async () => { await emulator.ClearAsync(ct); return ""; });
    }

    var wholeRun = memory.Read().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value.PeakKb);
    if (settings.Runs("csv"))
    {
        Say($"csv: one batch of {settings.Rows:N0} rows ({string.Join(",", settings.CsvChannels)})");
        var csv = await Measured("csv", () => Phase("csv", async () => await new CsvPhase(settings, await Domain("csv", 13), callLogs, emulator, memory).RunAsync(wholeRun, ct)));
        report = report with { Csv = csv, Memory = csv?.Memory };
        if (csv is not null) Say($"csv: 202 after {csv.SecondsTo202:0.0} s, every row at Twilio after {csv.SecondsToAllAtTwilio:0.0} s");
    }
    if (report.Memory is null)
    {
        report = report with { Memory = memory.Processes.Select(p => new ProcessPeak(p.Name, wholeRun.GetValueOrDefault(p.Name), wholeRun.GetValueOrDefault(p.Name), false, null)).ToList() };
    }

    report = report with { Cpu = cpuByPhase };
    report = report.WithVerdicts(phaseErrors);
    var failures = report.IntegrityFailures;

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.OutputPath))!);
    await File.WriteAllTextAsync(settings.OutputPath, report.ToJson(), ct);

    var mix = string.Join(" ", settings.Mix.Select(m => $"{m.Channel} {m.Weight}"));
    Console.WriteLine();
    Console.WriteLine($"Aventora benchmark, {report.RunAt} — {settings.Machine}; {settings.Instances} instance(s) of each worker; " +
                      $"BENCH_N={settings.Requests} BENCH_SECONDS={settings.Seconds} BENCH_CONCURRENCY={settings.Concurrency} BENCH_ROWS={settings.Rows}");
    Console.WriteLine();
    Console.Write(report.ToMarkdown(settings.Requests, settings.Rows, mix, settings.Instances));
    Console.WriteLine();
    Console.Write(report.Notes());
    Console.WriteLine($"- Full results: {settings.OutputPath}");
    if (flood is not null)
    {
        Console.WriteLine();
        Console.Write(flood.ToMarkdown());
    }
    Console.WriteLine(failures.Count > 0 ? $"Integrity: {failures.Count} check(s) FAILED."
        : phaseErrors.Count > 0 ? $"Integrity: not shown: {phaseErrors.Count} phase(s) could not finish."
        : "Integrity: every check held.");
    if (flood is { FloodServerErrors: > 0 }) Console.WriteLine($"Flood: {flood.FloodServerErrors} answers were a 5xx or failed: issue 22's promise is broken.");
    return failures.Count > 0 || flood is { FloodServerErrors: > 0 } ? 1 : phaseErrors.Count > 0 ? 2 : 0;
}
catch (BenchConfigurationException e)
{
    Console.Error.WriteLine($"[bench] {e.Message}");
    return 2;
}
catch (Exception e) when (e is HttpRequestException or InvalidOperationException or NpgsqlException or RabbitMQ.Client.Exceptions.BrokerUnreachableException)
{
    Console.Error.WriteLine($"[bench] The run could not be made: {e.Message}");
    return 2;
}
