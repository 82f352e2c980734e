using System.Text;
using Aventora.Ingress.Api.Batches;

namespace Aventora.UnitTests.Batches;

public sealed class BatchIdentityTests
{
    private static BatchIdentity Resolve(string? batchId, string? key = null, string domain = "acme")
    {
        Assert.True(BatchIdentity.TryResolve(batchId, key, domain, out var identity, out var error), error);
        return identity;
    }

    [Fact]
    public void A_callers_id_maps_to_the_same_uuid_every_time_and_to_another_for_another_domain()
    {
        var ours = Resolve("2026-11-crm-export");
        Assert.Equal("2026-11-crm-export", ours.ClientBatchId);
        Assert.Equal(ours.Uuid, Resolve("2026-11-crm-export").Uuid);
        Assert.NotEqual(ours.Uuid, Resolve("2026-11-crm-export", domain: "globex").Uuid);
        Assert.NotEqual(ours.Uuid, Resolve("2026-11-crm-Export").Uuid);
        Assert.Equal(5, ours.Uuid.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has spaces")]
    [InlineData("slash/es")]
    [InlineData("ünïcode")]
    public void Ids_outside_the_allowed_characters_are_refused_with_the_rule(string batchId)
    {
        Assert.False(BatchIdentity.TryResolve(batchId, null, "acme", out _, out var error));
        Assert.Contains("1 to 100 characters", error);
    }

    [Fact]
    public void An_id_of_101_characters_is_refused_and_one_of_100_taken()
    {
        Assert.False(BatchIdentity.TryResolve(new string('a', 101), null, "acme", out _, out _));
        Assert.Equal(new string('a', 100), Resolve(new string('a', 100)).ClientBatchId);
    }

    [Fact]
    public void Without_a_batch_id_the_idempotency_key_names_the_batch_and_with_neither_the_batch_is_new()
    {
        Assert.Equal(Resolve("upload-7"), Resolve(null, "upload-7"));
        Assert.Equal(Resolve("given"), Resolve("given", "upload-7"));
        var oddKey = Resolve(null, "a key with spaces");
        Assert.Equal(oddKey.Uuid.ToString(), oddKey.ClientBatchId);
        Assert.Equal(oddKey, Resolve(null, "a key with spaces"));
        var fresh = Resolve(null);
        Assert.Equal(fresh.Uuid.ToString(), fresh.ClientBatchId);
        Assert.NotEqual(fresh, Resolve(null));
    }

    [Fact]
    public async Task The_content_hash_covers_the_file_and_the_default_channel_and_leaves_the_file_at_its_start()
    {
        using var file = new MemoryStream(Encoding.UTF8.GetBytes("phone_number,instruction\n+14155550123,Hi\n"));
        var sms = await BatchContent.HashAsync(file, "sms", default);
        Assert.Equal(0, file.Position);
        Assert.Equal(sms, await BatchContent.HashAsync(file, "sms", default));
        Assert.NotEqual(sms, await BatchContent.HashAsync(file, "wmsg", default));
        Assert.NotEqual(sms, await BatchContent.HashAsync(new MemoryStream(Encoding.UTF8.GetBytes("phone_number,instruction\n+14155550124,Hi\n")), "sms", default));
    }
}
