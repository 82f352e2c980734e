using System.Security.Cryptography;
using System.Text;

namespace Aventora.Ingress.Api.Batches;

/// <summary>RFC 4122 name-based GUIDs (version 5, SHA-1): the same namespace and name give the same id on every host, every run.</summary>
public static class NameBasedGuid
{
    /// <summary>Namespace of batch ids derived from a client's Idempotency-Key.</summary>
    public static readonly Guid IdempotencyKeys = new("0d9f3a52-6c1e-4c44-9a55-3f0f1d8e7b21");
    /// <summary>Namespace of batch ids derived from a domain and the caller's own batch id.</summary>
    public static readonly Guid BatchIds = new("3c6e2a91-7d04-4f5b-8e19-a2b7c4d9e053");
    /// <summary>Namespace of batch ids derived from a dropped file's identity.</summary>
    public static readonly Guid DroppedFiles = new("6f1f0c8e-2b7a-4f8e-8d55-1c2a9b3e4d60");

    public static Guid Create(Guid namespaceId, string name)
    {
        Span<byte> input = stackalloc byte[16];
        namespaceId.TryWriteBytes(input, bigEndian: true, out _);
        var hash = SHA1.HashData([.. input, .. Encoding.UTF8.GetBytes(name)]);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>The request id of a batch's line: retried uploads of the same batch republish the same ids, which the dispatcher ignores.</summary>
    public static Guid ForLine(Guid batchId, int lineNumber) => Create(batchId, $"line:{lineNumber}");
}
