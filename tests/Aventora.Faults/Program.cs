using System.Diagnostics;
using Aventora.Faults;
using Aventora.Faults.Load;
using Aventora.Faults.Observe;
using Aventora.Faults.Report;
using Aventora.Faults.Setup;
using Aventora.TwilioEmulator.Inspection;

// The fault suite's driver (scripts/faults.sh starts the services and injects the process and infrastructure faults):
// sends N mixed requests while the emulator fails a slice of creations after creating them, waits for the system to settle,
// then sets what the emulator created against what the database holds. Exit 0 only when every count that must be 0 is.
try
{
    var settings = FaultSettings.FromEnvironment();
    var prices = Prices.Load(Environment.GetEnvironmentVariable("FAULTS_BILLING_SETTINGS") ?? "src/Dispatcher.Worker/appsettings.json");
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    var ct = cancel.Token;
    var clock = Stopwatch.StartNew();

    using var ingress = new HttpClient { BaseAddress = settings.IngressUrl, Timeout = TimeSpan.FromSeconds(30) };
    using var emulatorHttp = new HttpClient { BaseAddress = settings.EmulatorUrl, Timeout = TimeSpan.FromSeconds(60) };
    var emulator = new EmulatorClient(emulatorHttp);
    var database = new DatabaseState(settings.Postgres);

    var domain = await FaultDomain.CreateAsync(ingress, emulatorHttp, settings.AdminKey, $"faults-{settings.RunId}", settings.Requests, ct);
    await AnswerFaults.InstallAsync(emulator, settings, ct);
    var planned = PlannedRequest.Plan(settings.Requests, settings.Mix, settings.RunId);
    Log($"domain {domain.Name}: {domain.CreditsGranted} credits; sending {planned.Count} requests over {settings.SubmitOver.TotalSeconds:F0} s " +
        $"({string.Join(", ", planned.GroupBy(p => p.Channel).Select(g => $"{g.Key} {g.Count()}"))})");
    if (settings.SubmittingFile is { } marker) await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O"), ct);

    var submitter = new Submitter(ingress, domain.ApiKey, domain.Name, settings.SubmitOver, settings.Concurrency, giveUpAfter: TimeSpan.FromMinutes(5));
    var submissions = await submitter.SubmitAllAsync(planned, done =>
    {
        if (done % Math.Max(1, planned.Count / 10) == 0) Log($"submitted {done}/{planned.Count}");
    }, ct);
    Log($"{submissions.Count(s => s.Accepted)} accepted, {submissions.Count(s => !s.Accepted)} not, after {clock.Elapsed.TotalSeconds:F0} s");

    if (settings.ChaosDoneFile is { } chaosDone)
    {
        Log("waiting for the injected faults to finish");
        while (!File.Exists(chaosDone)) await Task.Delay(1000, ct);
    }

    // Wait for the system to settle: until nothing is left to wait for, or nothing has changed for a while, or the bound.
    var waitStarted = Stopwatch.StartNew();
    var stallFor = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("FAULTS_STALL_SECONDS"), out var s) ? s : 120);
    Verdict verdict;
    string? lastPicture = null;
    var unchangedSince = Stopwatch.StartNew();
    while (true)
    {
        var creations = await EmulatorCreations.ReadAsync(emulator, domain.AccountSid, ct);
        var rows = await ReadWithRetriesAsync(() => database.RequestsAsync(domain.Name, ct), ct);
        var totals = await ReadWithRetriesAsync(() => database.TotalsAsync(domain.Name, ct), ct);
        verdict = Verdict.Of(submissions, creations, rows, totals, prices);
        if (verdict.Settled(creations)) break;
        var picture = $"{verdict.Unresolved}/{verdict.Mismatched}/{verdict.Held}/{verdict.Charged}/{creations.Count(c => c.IsSettled)}/{string.Join(",", verdict.StatusCounts)}";
        if (picture != lastPicture) { lastPicture = picture; unchangedSince.Restart(); }
        if (unchangedSince.Elapsed > stallFor) { Log($"nothing changed for {stallFor.TotalSeconds:F0} s: reporting as it stands"); break; }
        if (waitStarted.Elapsed > settings.MaxWait) { Log($"not settled after {settings.MaxWait.TotalSeconds:F0} s: reporting as it stands"); break; }
        Log($"waiting: {verdict.Unresolved} unresolved, {verdict.Mismatched} mismatched, {verdict.Held} held, {creations.Count(c => !c.IsSettled)} creations in progress");
        await Task.Delay(3000, ct);
    }

    FaultReport.Print(verdict, submissions, clock.Elapsed, Console.Out);
    Console.WriteLine(verdict.Passed ? "fault suite: PASSED" : "fault suite: FAILED");
    return verdict.Passed ? 0 : 1;
}
catch (FaultsConfigurationException e)
{
    Console.Error.WriteLine($"[faults] {e.Message}");
    return 2;
}

static void Log(string message) => Console.WriteLine($"[faults] {DateTime.UtcNow:HH:mm:ss} {message}");

// The final reads may meet the database still coming back from the suite's restart.
static async Task<T> ReadWithRetriesAsync<T>(Func<Task<T>> read, CancellationToken ct)
{
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return await read();
        }
        catch (Npgsql.NpgsqlException) when (attempt < 30)
        {
            await Task.Delay(1000, ct);
        }
    }
}
