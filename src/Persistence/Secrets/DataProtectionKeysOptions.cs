using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Aventora.Persistence.Secrets;

/// <summary>
/// Binds the <c>DataProtection</c> section: where the key ring that encrypts secrets at rest lives. Every process that reads
/// or writes secrets (Ingress, Dispatcher, Messaging, Voice) must point at the same folder, or one cannot read what another wrote.
/// </summary>
public sealed class DataProtectionKeysOptions
{
    public const string Section = "DataProtection";

    /// <summary>
    /// The key ring's folder, shared by every process (a volume in containers). Back it up: losing it loses every stored
    /// auth token and mailbox password. Readable by the services' user only.
    /// </summary>
    [Required(ErrorMessage = "DataProtection:KeysFolder is required: a folder every Aventora service shares (e.g. /var/lib/aventora/keys), where the keys that encrypt auth tokens and mailbox passwords live.")]
    public string KeysFolder { get; set; } = "";
}

/// <summary>
/// The folder must be absolute (so every process means the same place), writable (the first process makes the first key) and,
/// on Unix, closed to group and others (<see cref="KeyRingPermissions"/>): created 0700, tightened when this process owns it.
/// </summary>
public sealed class DataProtectionKeysOptionsValidator : IValidateOptions<DataProtectionKeysOptions>
{
    public ValidateOptionsResult Validate(string? name, DataProtectionKeysOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.KeysFolder)) return ValidateOptionsResult.Skip; // [Required] names it
        if (!Path.IsPathFullyQualified(options.KeysFolder))
            return ValidateOptionsResult.Fail($"DataProtection:KeysFolder must be an absolute path, so every service reads the same key ring; '{options.KeysFolder}' is relative.");
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(options.KeysFolder);
            else Directory.CreateDirectory(options.KeysFolder, KeyRingPermissions.Folder);
            var probe = Path.Combine(options.KeysFolder, $".write-check-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return KeyRingPermissions.Enforce(options.KeysFolder) is [var first, ..] open
                ? ValidateOptionsResult.Fail($"DataProtection:KeysFolder holds the key ring that decrypts every stored secret, but '{first}'"
                    + (open.Count > 1 ? $" and {open.Count - 1} more" : "") + " can be read by group or others and is not this process's to change: "
                    + "make the folder 0700 and its files 0600, owned by the services' user.")
                : ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"DataProtection:KeysFolder '{options.KeysFolder}' cannot be created or written by this process; give its user write access.");
        }
    }
}
