using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// Resolves <see cref="BatchOptions.SpoolFolder"/> (default, relative to the content root) and checks at startup that it
/// exists, creating it, and can be written: an Ingress that could not keep an upload must not answer 202 to it.
/// </summary>
public sealed class BatchSpoolFolder(IHostEnvironment environment) : IPostConfigureOptions<BatchOptions>, IValidateOptions<BatchOptions>
{
    public const string DefaultUnixFolder = "/var/tmp/aventora-batches";

    public void PostConfigure(string? name, BatchOptions options)
    {
        var folder = string.IsNullOrWhiteSpace(options.SpoolFolder)
            ? OperatingSystem.IsWindows() ? "spool" : DefaultUnixFolder
            : options.SpoolFolder.Trim();
        options.SpoolFolder = Path.GetFullPath(folder, environment.ContentRootPath);
    }

    public ValidateOptionsResult Validate(string? name, BatchOptions options)
    {
        var folder = options.SpoolFolder!;
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-check-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return ValidateOptionsResult.Fail(
                $"Batches:SpoolFolder '{folder}' cannot be created or written ({e.GetType().Name}): give Ingress a writable, durable folder " +
                "(not /tmp if it is cleared on reboot), shared by every Ingress copy.");
        }
    }
}
