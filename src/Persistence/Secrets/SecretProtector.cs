using Microsoft.AspNetCore.DataProtection;

namespace Aventora.Persistence.Secrets;

/// <summary>
/// Encrypts a secret before it is stored and decrypts it when read (ASP.NET Core Data Protection, keys in
/// <c>DataProtection:KeysFolder</c>). A stored value without <see cref="Prefix"/> is a row written before encryption
/// and is taken as it is, so old rows keep working until the startup step or their next write encrypts them.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    /// <summary>Marks an encrypted value; the number says which scheme, should it ever change.</summary>
    public const string Prefix = "dp1:";

    // The purpose string isolates these ciphertexts from anything else protected with the same key ring.
    private readonly IDataProtector _protector = provider.CreateProtector("Aventora.SecretsAtRest.v1");

    public static bool IsProtected(string? stored) => stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string secret) =>
        secret.Length == 0 || IsProtected(secret) ? secret : Prefix + _protector.Protect(secret);

    /// <exception cref="System.Security.Cryptography.CryptographicException">
    /// The value was encrypted with a key this process does not have (another key ring folder, or a lost one).
    /// </exception>
    public string Reveal(string stored) => IsProtected(stored) ? _protector.Unprotect(stored[Prefix.Length..]) : stored;
}
