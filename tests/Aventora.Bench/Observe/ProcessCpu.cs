using System.Diagnostics;

namespace Aventora.Bench.Observe;

/// <summary>
/// CPU time (user + system) used by each part of the system while a phase runs, from /proc/pid/stat: Aventora's processes, the
/// Twilio emulator, the load generator itself, and PostgreSQL's and RabbitMQ's server processes (every process of theirs, found
/// by name), so the share that is the test double's or the load's own is shown apart from Aventora's.
/// </summary>
public sealed class ProcessCpu(IReadOnlyList<(string Name, int Pid)> processes)
{
    private static readonly double TicksPerSecond = ReadTicksPerSecond();

    /// <summary>CPU seconds each part has used since it started.</summary>
    public Dictionary<string, double> Read()
    {
        var used = new Dictionary<string, double>();
        foreach (var (name, pid) in processes) used[name] = Seconds(pid) ?? 0;
        used["load generator"] = Seconds(Environment.ProcessId) ?? 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var part = Comm(pid) switch { "postgres" => "postgresql", "beam.smp" => "rabbitmq", _ => null };
            if (part is not null) used[part] = used.GetValueOrDefault(part) + (Seconds(pid) ?? 0);
        }
        return used;
    }

    /// <summary>What each part used between two readings, most first.</summary>
    public static IReadOnlyList<CpuUse> Between(Dictionary<string, double> before, Dictionary<string, double> after) =>
        after.Select(a => new CpuUse(a.Key, Math.Round(Math.Max(0, a.Value - before.GetValueOrDefault(a.Key)), 1)))
            .OrderByDescending(u => u.Seconds).ToList();

    private static string? Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    // utime and stime are fields 14 and 15 of /proc/pid/stat, counted after the command name's closing parenthesis.
    private static double? Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static double ReadTicksPerSecond()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = getconf.StandardOutput.ReadToEnd();
            getconf.WaitForExit();
            return double.TryParse(text.Trim(), out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return 100;
        }
    }
}

/// <summary>CPU seconds one part of the system used during a phase.</summary>
public sealed record CpuUse(string Part, double Seconds);
