namespace Aventora.Faults;

/// <summary>What scripts/faults.sh hands the driver, from FAULTS_* environment variables.</summary>
public sealed record FaultSettings(
    Uri IngressUrl,
    Uri EmulatorUrl,
    string AdminKey,
    string Postgres,
    int Requests,
    IReadOnlyList<(string Channel, int Weight)> Mix,
    TimeSpan SubmitOver,
    int Concurrency,
    int TimeoutEvery,
    int DropEvery,
    int ServerErrorEvery,
    int TimeoutHoldMs,
    string RunId,
    string? SubmittingFile,
    string? ChaosDoneFile,
    TimeSpan MaxWait)
{
    public static FaultSettings FromEnvironment() => new(
        new Uri(Required("FAULTS_INGRESS_URL")),
        new Uri(Required("FAULTS_EMULATOR_URL")),
        Required("FAULTS_ADMIN_KEY"),
        Required("FAULTS_POSTGRES"),
        Int("FAULTS_N", 5000, min: 1),
        ParseMix(Environment.GetEnvironmentVariable("FAULTS_MIX") ?? "sms:40,wmsg:20,phone:25,wvoice:15"),
        TimeSpan.FromSeconds(Int("FAULTS_SUBMIT_SECONDS", 120, min: 1)),
        Int("FAULTS_CONCURRENCY", 16, min: 1),
        Int("FAULTS_TIMEOUT_EVERY", 40, min: 0),
        Int("FAULTS_DROP_EVERY", 40, min: 0),
        Int("FAULTS_500_EVERY", 40, min: 0),
        Int("FAULTS_TIMEOUT_HOLD_MS", 2000, min: 0),
        Environment.GetEnvironmentVariable("FAULTS_RUN_ID") ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(),
        Environment.GetEnvironmentVariable("FAULTS_SUBMITTING_FILE"),
        Environment.GetEnvironmentVariable("FAULTS_CHAOS_DONE_FILE"),
        TimeSpan.FromSeconds(Int("FAULTS_MAX_WAIT_SECONDS", 600, min: 1)));

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new FaultsConfigurationException($"{name} is not set: run the suite through scripts/faults.sh, which starts the services and sets it.");

    private static int Int(string name, int fallback, int min)
    {
        var raw = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        return int.TryParse(raw, out var value) && value >= min
            ? value
            : throw new FaultsConfigurationException($"{name} must be a whole number of at least {min}, not '{raw}'.");
    }

    private static IReadOnlyList<(string, int)> ParseMix(string raw)
    {
        var mix = new List<(string, int)>();
        foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(':');
            if (pieces.Length != 2 || pieces[0] is not ("sms" or "wmsg" or "phone" or "wvoice") || !int.TryParse(pieces[1], out var weight) || weight < 0)
                throw new FaultsConfigurationException($"FAULTS_MIX must look like sms:40,wmsg:20,phone:25,wvoice:15; '{part}' is not channel:weight.");
            mix.Add((pieces[0], weight));
        }
        return mix.Sum(m => m.Item2) > 0 ? mix : throw new FaultsConfigurationException("FAULTS_MIX gives every channel a weight of 0.");
    }
}

/// <summary>The run cannot be made as configured; the message says what to change.</summary>
public sealed class FaultsConfigurationException(string message) : Exception(message);
