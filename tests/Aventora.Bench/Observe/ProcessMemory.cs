namespace Aventora.Bench.Observe;

/// <summary>
/// Resident memory of the system's processes from /proc: VmRSS now and VmHWM (the peak). The peak can be reset
/// (writing 5 to /proc/pid/clear_refs), so a phase reports its own peak rather than the whole run's.
/// </summary>
public sealed class ProcessMemory(IReadOnlyList<(string Name, int Pid)> processes)
{
    public IReadOnlyList<(string Name, int Pid)> Processes => processes;

    /// <summary>Resets every process's peak; false for a process where the kernel refused.</summary>
    public Dictionary<string, bool> ResetPeaks()
    {
        var done = new Dictionary<string, bool>();
        foreach (var (name, pid) in processes)
        {
            try { File.WriteAllText($"/proc/{pid}/clear_refs", "5"); done[name] = true; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { done[name] = false; }
        }
        return done;
    }

    /// <summary>Kibibytes of VmRSS and VmHWM per process (null when the process is gone).</summary>
    public Dictionary<string, (long RssKb, long PeakKb)?> Read()
    {
        var result = new Dictionary<string, (long, long)?>();
        foreach (var (name, pid) in processes)
        {
            try
            {
                long rss = 0, peak = 0;
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
                    else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line);
                }
                result[name] = (rss, peak);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                result[name] = null;
            }
        }
        return result;
    }

    private static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}

/// <summary>Every process's VmRSS in KiB, some seconds into a phase.</summary>
public sealed record MemorySample(double Seconds, Dictionary<string, long> RssKb);

/// <summary>Reads every process's memory once a second while a phase runs: the series shows whether memory stays flat.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly ProcessMemory _memory;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;

    public List<MemorySample> Samples { get; } = [];
    public Dictionary<string, long> MaxRssKb { get; } = [];

    public MemorySampler(ProcessMemory memory)
    {
        _memory = memory;
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            var now = _memory.Read();
            var sample = now.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value.RssKb);
            lock (Samples)
            {
                Samples.Add(new MemorySample(Math.Round((DateTimeOffset.UtcNow - _start).TotalSeconds, 1), sample));
                foreach (var (name, kb) in sample) MaxRssKb[name] = Math.Max(kb, MaxRssKb.GetValueOrDefault(name));
            }
        } while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result));
    }

    /// <summary>Stops sampling; safe to call more than once (the phase stops it before reading, and disposes it on the way out).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private int _stopped;
}
