using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Aventora.Ingress.Api.Batches;

/// <summary>
/// A batch's two names: the caller's id (<c>batch_id</c>: its own string, such as <c>2026-11-crm-export</c>) and the uuid the
/// system keys it by, derived from the tenant (the domain's name, see <c>Tenants.Key</c>) and that id, so the same id names the same batch on every upload and another
/// domain's same id is another batch. The caller's id is unique per domain in the <c>batches</c> table.
/// </summary>
public sealed partial record BatchIdentity(string ClientBatchId, Guid Uuid)
{
    public const int MaxClientIdLength = 100;

    /// <summary>
    /// From <c>batch_id</c>, else from the <c>Idempotency-Key</c> (the key is the batch id when it has a batch id's form,
    /// otherwise the batch is named by a uuid derived from it), else a new batch.
    /// </summary>
    public static bool TryResolve(string? batchId, string? idempotencyKey, string tenant, out BatchIdentity identity, out string error)
    {
        error = "";
        if (batchId is not null)
        {
            if (IsClientId(batchId))
            {
                identity = Named(tenant, batchId);
                return true;
            }
            identity = null!;
            error = $"batch_id '{Shorten(batchId)}' is not valid: use 1 to {MaxClientIdLength} characters of letters, digits, '.', '_', ':' and '-'.";
            return false;
        }
        if (idempotencyKey is not null)
        {
            if (IsClientId(idempotencyKey))
            {
                identity = Named(tenant, idempotencyKey);
                return true;
            }
            var fromKey = NameBasedGuid.Create(NameBasedGuid.IdempotencyKeys, $"{tenant}\n{idempotencyKey}");
            identity = new BatchIdentity(fromKey.ToString(), fromKey);
            return true;
        }
        var fresh = Guid.NewGuid();
        identity = new BatchIdentity(fresh.ToString(), fresh);
        return true;
    }

    public static bool IsClientId(string value) => ClientIdPattern().IsMatch(value);

    private static BatchIdentity Named(string tenant, string clientBatchId) =>
        new(clientBatchId, NameBasedGuid.Create(NameBasedGuid.BatchIds, $"{tenant}\n{clientBatchId}"));

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")] private static partial Regex ClientIdPattern();
}

/// <summary>What a batch holds, as one hash: its file's bytes and the default channel its rows without one take.</summary>
public static class BatchContent
{
    /// <summary>SHA-256 over the file (read from 0, left at 0) and the default channel.</summary>
    public static async Task<byte[]> HashAsync(Stream file, string? defaultChannel, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        file.Position = 0;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0) hash.AppendData(buffer, 0, read);
        file.Position = 0;
        hash.AppendData(Encoding.UTF8.GetBytes($"\ndefault_channel:{defaultChannel}"));
        return hash.GetHashAndReset();
    }
}
