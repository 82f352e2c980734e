using System.Xml.Linq;
using Aventora.Persistence.Secrets;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aventora.UnitTests.Deployment;

/// <summary>The key ring that decrypts every tenant secret is the services' user's alone: folder 0700, key files 0600.</summary>
public sealed class KeyRingPermissionsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("aventora-keyring-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_new_key_folder_is_created_0700()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Path.Combine(_root, "keys");
        Assert.True(new DataProtectionKeysOptionsValidator().Validate(null, new DataProtectionKeysOptions { KeysFolder = folder }).Succeeded);
        Assert.Equal(KeyRingPermissions.Folder, File.GetUnixFileMode(folder));
    }

    [Fact]
    public void An_open_folder_and_key_file_are_tightened_at_startup()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Path.Combine(_root, "open");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("755", 8));
        var key = Path.Combine(folder, "key-1.xml");
        File.WriteAllText(key, "<key/>");
        File.SetUnixFileMode(key, (UnixFileMode)Convert.ToInt32("644", 8));

        Assert.True(new DataProtectionKeysOptionsValidator().Validate(null, new DataProtectionKeysOptions { KeysFolder = folder }).Succeeded);

        Assert.Equal(KeyRingPermissions.Folder, File.GetUnixFileMode(folder));
        Assert.Equal(KeyRingPermissions.KeyFile, File.GetUnixFileMode(key));
    }

    [Fact]
    public void A_key_written_by_data_protection_is_0600()
    {
        if (OperatingSystem.IsWindows()) return;
        var repository = new KeyRingPermissions.OwnerOnlyXmlRepository(new FileSystemXmlRepository(new DirectoryInfo(_root), NullLoggerFactory.Instance));
        repository.StoreElement(new XElement("key", new XAttribute("id", "1")), "key-1");
        Assert.Equal(KeyRingPermissions.KeyFile, File.GetUnixFileMode(Path.Combine(_root, "key-1.xml")));
    }
}
