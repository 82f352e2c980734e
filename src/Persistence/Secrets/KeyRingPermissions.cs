using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Aventora.Persistence.Secrets;

/// <summary>
/// The key ring decrypts every tenant's auth tokens and mailbox passwords, so on Unix it is for the services' user alone: the
/// folder 0700, each key file 0600. A folder or key this process owns is tightened (at startup and as each key is written); one it
/// cannot tighten while group or others may read it stops the start (<see cref="DataProtectionKeysOptionsValidator"/>).
/// </summary>
public static class KeyRingPermissions
{
    public const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode KeyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Tightens the folder and its files; returns the paths still open to group or others (empty when all is well, and on Windows).</summary>
    public static IReadOnlyList<string> Enforce(string folder)
    {
        if (OperatingSystem.IsWindows()) return [];
        var open = new List<string>();
        Tighten(folder, Folder, open);
        foreach (var file in Directory.EnumerateFiles(folder)) Tighten(file, KeyFile, open);
        return open;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Tighten(string path, UnixFileMode wanted, List<string> open)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) == 0) return;
        try
        {
            File.SetUnixFileMode(path, wanted);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            open.Add(path); // owned by another user: only its owner (or the volume's setup) can close it
        }
    }

    /// <summary>Data Protection's file repository, with each key file it writes made 0600 (it writes them with the process's umask).</summary>
    public sealed class OwnerOnlyXmlRepository(FileSystemXmlRepository files) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => files.GetAllElements();

        public void StoreElement(XElement element, string friendlyName)
        {
            files.StoreElement(element, friendlyName);
            Enforce(files.Directory.FullName);
        }
    }
}
