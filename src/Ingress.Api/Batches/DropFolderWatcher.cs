using System.Text.Json;
using System.Text.RegularExpressions;
using Aventora.Persistence.Batches;
using Aventora.Persistence.Domains;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// Picks up CSV files dropped into <c>Batches:DropFolder/{domain}/</c> and takes them in as batches, like <c>POST /batches</c>.
/// A file is taken only once its size and modification time stayed the same across two looks (<c>Batches:DropPollInterval</c>
/// apart), so a file still being written is left alone; writers that can should write <c>name.tmp</c> and rename it to
/// <c>name.csv</c> when done (only <c>*.csv</c> is looked at). Afterwards the file is moved to <c>{domain}/processed/</c>, or to
/// <c>{domain}/failed/</c> when refused, with <c>name.csv.result.json</c> beside it. The batch id is derived from the domain,
/// file name, size and time, so a file taken twice (a crash before the move, or two Ingress copies watching one folder)
/// finds the same batch again, whose rows go out once. Like an upload, the file is copied into the spool folder and its rows are
/// published in the background: <c>name.csv.result.json</c> holds the counts and rejected rows, and the batch's progress is on
/// <c>GET /batches/{batch_id}</c>.
/// </summary>
public sealed partial class DropFolderWatcher(
    BatchProcessor processor, DomainRepository domains, IOptions<BatchOptions> options, ILogger<DropFolderWatcher> logger)
    : BackgroundService
{
    public const string ProcessedFolder = "processed";
    public const string FailedFolder = "failed";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private readonly Dictionary<string, (long Length, DateTime Modified)> _lastLook = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var root = options.Value.DropFolder;
        if (string.IsNullOrWhiteSpace(root)) return;
        Directory.CreateDirectory(root);
        logger.LogInformation("Watching {DropFolder} for CSV batches, one sub-folder per domain", root);
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await LookAsync(root, stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { logger.LogWarning("Drop folder look failed ({ErrorType}: {Error})", e.GetType().Name, e.Message); }
            try { await Task.Delay(options.Value.DropPollInterval, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task LookAsync(string root, CancellationToken ct)
    {
        var present = new HashSet<string>();
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var domain = Path.GetFileName(folder).ToLowerInvariant();
            if (!DomainPattern().IsMatch(domain)) continue;
            foreach (var path in Directory.EnumerateFiles(folder, "*.csv", SearchOption.TopDirectoryOnly))
            {
                var info = new FileInfo(path);
                if (!info.Exists) continue;
                present.Add(path);
                var look = (info.Length, info.LastWriteTimeUtc);
                var stable = _lastLook.TryGetValue(path, out var last) && last == look;
                _lastLook[path] = look;
                if (stable) await TakeAsync(domain, info, ct);
            }
        }
        foreach (var gone in _lastLook.Keys.Where(p => !present.Contains(p)).ToList()) _lastLook.Remove(gone);
    }

    private async Task TakeAsync(string domain, FileInfo file, CancellationToken ct)
    {
        // Derived from the tenant, so a domain created again under a deleted one's name never meets that one's batches.
        var tenant = await domains.FindTenantKeyAsync(domain, ct) ?? domain;
        var batchId = NameBasedGuid.Create(NameBasedGuid.DroppedFiles, $"{tenant}/{file.Name}/{file.Length}/{file.LastWriteTimeUtc.Ticks}");
        BatchOutcome? outcome;
        BatchRefusal? refusal;
        try
        {
            // Copied into the spool folder, like an upload: the dropped file is moved aside at once, the copy is published.
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using var spooled = await SpooledFile.CopyAsync(stream, options.Value.MaxFileBytes, options.Value.SpoolFolder!, ct);
            (outcome, refusal) = spooled is null
                ? (null, BatchProcessor.TooLarge(options.Value.MaxFileBytes))
                : await processor.AcceptAsync(
                    new BatchUpload(batchId, domain, string.IsNullOrWhiteSpace(options.Value.DropDefaultChannel) ? null : options.Value.DropDefaultChannel, "drop", file.Name),
                    spooled, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return; // another Ingress copy took it first
        }

        var target = Path.Combine(file.DirectoryName!, refusal is null ? ProcessedFolder : FailedFolder);
        Directory.CreateDirectory(target);
        var destination = Path.Combine(target, file.Name);
        if (File.Exists(destination)) destination = Path.Combine(target, $"{Path.GetFileNameWithoutExtension(file.Name)}.{batchId:N}.csv");
        object result = refusal is null
            ? BatchEndpoints.View(outcome!)
            : new { batch_id = batchId, status = "refused", code = refusal.Code, reason = refusal.Message };
        try
        {
            File.Move(file.FullName, destination);
        }
        catch (Exception e) when (e is FileNotFoundException or IOException)
        {
            return; // moved by another copy meanwhile
        }
        // Written aside and renamed, so whoever watches the folder never reads a half-written result.
        var resultPath = destination + ".result.json";
        await File.WriteAllTextAsync(resultPath + ".tmp", JsonSerializer.Serialize(result, Json), CancellationToken.None);
        File.Move(resultPath + ".tmp", resultPath, overwrite: true);
        _lastLook.Remove(file.FullName);
        logger.LogInformation("Dropped file {FileName} for {DomainName} moved to {Outcome}", file.Name, domain, Path.GetFileName(target));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,199}$")] private static partial Regex DomainPattern();
}
