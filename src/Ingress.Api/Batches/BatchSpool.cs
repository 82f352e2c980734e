namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// A batch file copied into <see cref="BatchOptions.SpoolFolder"/> as it arrives, never held in memory. It is read to check and
/// validate it, then either kept (<see cref="KeepAsync"/>: the batch's publisher reads it in the background, and a restarted
/// Ingress resumes from it) or deleted when disposed (a refused file, a retry of a batch already going out).
/// While written it is named <c>*.part</c>; a kept file is <c>*.csv</c>, synced to disk before the upload is answered.
/// </summary>
public sealed class SpooledFile : IAsyncDisposable
{
    private readonly string _partPath;
    private bool _kept;

    private SpooledFile(string partPath, FileStream stream)
    {
        _partPath = partPath;
        Stream = stream;
    }

    /// <summary>The spooled bytes, readable and seekable; closed by <see cref="KeepAsync"/> or <see cref="DisposeAsync"/>.</summary>
    public FileStream Stream { get; }

    /// <summary>Where a kept file lives.</summary>
    public string Path => System.IO.Path.ChangeExtension(_partPath, ".csv");

    /// <summary>The spooled copy positioned at 0, or null when the source is longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<SpooledFile?> CopyAsync(Stream source, long maxBytes, string folder, CancellationToken cancellationToken)
    {
        var partPath = System.IO.Path.Combine(folder, $"{Guid.NewGuid():N}.part");
        var stream = new FileStream(partPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        var spool = new SpooledFile(partPath, stream);
        try
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > maxBytes) { await spool.DisposeAsync(); return null; }
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            await stream.FlushAsync(cancellationToken);
            stream.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }

    /// <summary>Keeps the file for the publisher: synced to disk (a 202 survives a power cut), closed, renamed to <see cref="Path"/>.</summary>
    public async Task KeepAsync()
    {
        Stream.Flush(flushToDisk: true);
        await Stream.DisposeAsync();
        File.Move(_partPath, Path);
        _kept = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        if (!_kept) TryDelete(_partPath);
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
