namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// A batch file copied to a temporary file (deleted on close) as it arrives, never held in memory, so it can be read twice:
/// once to check it whole, once to publish it.
/// </summary>
public static class BatchSpool
{
    /// <summary>The spooled copy positioned at 0, or null when the source is longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<FileStream?> CopyAsync(Stream source, long maxBytes, string? folder, CancellationToken cancellationToken)
    {
        folder = string.IsNullOrWhiteSpace(folder) ? Path.Combine(Path.GetTempPath(), "aventora-batches") : folder;
        Directory.CreateDirectory(folder);
        var spool = new FileStream(Path.Combine(folder, $"{Guid.NewGuid():N}.csv"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > maxBytes) { await spool.DisposeAsync(); return null; }
                await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            await spool.FlushAsync(cancellationToken);
            spool.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }
}
