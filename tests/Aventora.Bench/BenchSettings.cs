using System.Globalization;

namespace Aventora.Bench;

/// <summary>
/// Every knob, read once from the environment (scripts/bench.sh sets the addresses; a user sets the sizes).
/// Sizes are bounded so a typo cannot start an endless run.
/// </summary>
public sealed record BenchSettings
{
    public required Uri IngressUrl { get; init; }
    public required Uri EmulatorUrl { get; init; }
    public required string AdminKey { get; init; }
    public required string Postgres { get; init; }
    public required Uri RabbitMq { get; init; }
    public required string RunId { get; init; }
    public required string OutputPath { get; init; }
    public required string Machine { get; init; }
    public required int Instances { get; init; }
    public required int PostgresPoolSize { get; init; }

    public required int Requests { get; init; }
    public required int Seconds { get; init; }
    public required int Concurrency { get; init; }
    public required int Rows { get; init; }
    public required IReadOnlySet<string> Skip { get; init; }
    public required IReadOnlyList<(string Channel, int Weight)> Mix { get; init; }
    public required IReadOnlyList<string> CsvChannels { get; init; }
    public required int BrokerPublishers { get; init; }
    public required TimeSpan RequestTimeout { get; init; }
    /// <summary>The longest a phase waits for the system to finish its work.</summary>
    public required TimeSpan MaxWait { get; init; }
    /// <summary>A phase stops waiting when nothing has moved for this long (a lost status never arrives).</summary>
    public required TimeSpan StallAfter { get; init; }
    /// <summary>Processes whose memory is reported: name → pid.</summary>
    public required IReadOnlyList<(string Name, int Pid)> Processes { get; init; }
    /// <summary>BENCH_FLOOD=1: the flood phase runs too (left out by default, so a default run measures what it always did).</summary>
    public required bool Flood { get; init; }
    public required int FloodSeconds { get; init; }
    public required int FloodConcurrency { get; init; }
    /// <summary>The address the flood comes from: not the tenant's nor Twilio's (the emulator's), as in production.</summary>
    public required string FloodSource { get; init; }

    public static readonly string[] Phases = ["broker", "ingress", "e2e", "csv", "flood"];

    public bool Runs(string phase) => !Skip.Contains(phase) && (phase != "flood" || Flood);

    public static BenchSettings FromEnvironment()
    {
        var skip = List("BENCH_SKIP", "").ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var phase in skip.Where(p => !Phases.Contains(p)))
            throw new BenchConfigurationException($"BENCH_SKIP names '{phase}': use a comma-separated list of {string.Join(", ", Phases)}.");
        return new BenchSettings
        {
            IngressUrl = new Uri(Required("BENCH_INGRESS_URL")),
            EmulatorUrl = new Uri(Required("BENCH_EMULATOR_URL")),
            AdminKey = Required("BENCH_ADMIN_KEY"),
            Postgres = Required("BENCH_POSTGRES"),
            RabbitMq = new Uri(Required("BENCH_RABBITMQ")),
            RunId = Text("BENCH_RUN_ID", DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)),
            OutputPath = Text("BENCH_OUTPUT", Path.Combine(".run", "bench", $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json")),
            Machine = Text("BENCH_MACHINE", $"{Environment.ProcessorCount} cores, {Environment.OSVersion}"),
            Instances = Number("BENCH_INSTANCES", 1, 1, 8),
            PostgresPoolSize = Number("BENCH_PG_POOL", 20, 1, 1000),
            Requests = Number("BENCH_N", 20_000, 1, 5_000_000),
            Seconds = Number("BENCH_SECONDS", 20, 1, 3600),
            Concurrency = Number("BENCH_CONCURRENCY", 64, 1, 4096),
            Rows = Number("BENCH_ROWS", 100_000, 1, 5_000_000),
            Skip = skip,
            Mix = ParseMix(Text("BENCH_MIX", "sms:60,wmsg:15,phone:15,wvoice:10")),
            CsvChannels = ParseCsvChannels(Text("BENCH_CSV_CHANNELS", "sms")),
            BrokerPublishers = Number("BENCH_BROKER_PUBLISHERS", 4, 1, 64),
            RequestTimeout = TimeSpan.FromSeconds(Number("BENCH_REQUEST_TIMEOUT_SECONDS", 10, 1, 600)),
            MaxWait = TimeSpan.FromSeconds(Number("BENCH_MAX_WAIT_SECONDS", 900, 10, 86_400)),
            StallAfter = TimeSpan.FromSeconds(Number("BENCH_STALL_SECONDS", 60, 5, 3600)),
            Processes = ParseProcesses(Text("BENCH_PROCESSES", "")),
            Flood = Text("BENCH_FLOOD", "0") is "1" or "true" or "yes",
            FloodSeconds = Number("BENCH_FLOOD_SECONDS", 10, 1, 600),
            FloodConcurrency = Number("BENCH_FLOOD_CONCURRENCY", 16, 1, 1024),
            FloodSource = Text("BENCH_FLOOD_SOURCE", "127.0.0.2"),
        };
    }

    private static readonly string[] Channels = ["sms", "wmsg", "phone", "wvoice"];

    private static IReadOnlyList<(string, int)> ParseMix(string text)
    {
        var mix = new List<(string, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(':', StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !Channels.Contains(pieces[0]) || !int.TryParse(pieces[1], out var weight) || weight < 0)
                throw new BenchConfigurationException($"BENCH_MIX part '{part}' should be channel:weight with a channel of {string.Join(", ", Channels)} (e.g. sms:60,wmsg:15,phone:15,wvoice:10).");
            if (weight > 0) mix.Add((pieces[0], weight));
        }
        return mix.Count > 0 ? mix : throw new BenchConfigurationException("BENCH_MIX gives every channel a weight of 0: give at least one a positive weight.");
    }

    private static IReadOnlyList<string> ParseCsvChannels(string text)
    {
        var channels = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var channel in channels.Where(c => !Channels.Contains(c)))
            throw new BenchConfigurationException($"BENCH_CSV_CHANNELS names '{channel}': use {string.Join(", ", Channels)}.");
        return channels.Length > 0 ? channels : ["sms"];
    }

    private static IReadOnlyList<(string, int)> ParseProcesses(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => p.Length == 2 && int.TryParse(p[1], out var pid)
                ? (p[0], pid)
                : throw new BenchConfigurationException($"BENCH_PROCESSES should be name=pid,name=pid (got '{string.Join('=', p)}')."))
            .ToList();

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new BenchConfigurationException($"{name} is not set: run the benchmark through scripts/bench.sh, which starts the system and sets it.");

    private static string Text(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static List<string> List(string name, string fallback) =>
        Text(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static int Number(string name, int fallback, int min, int max)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        var clean = text.Replace("_", "").Replace(",", "");
        return int.TryParse(clean, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BenchConfigurationException($"{name}='{text}' is not a whole number from {min} to {max}.");
    }
}

/// <summary>A knob with a wrong value: the message names it and what it takes.</summary>
public sealed class BenchConfigurationException(string message) : Exception(message);
