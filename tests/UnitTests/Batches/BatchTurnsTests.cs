using Aventora.Ingress.Api.Batches;

namespace Aventora.UnitTests.Batches;

/// <summary>The publisher's chunk slots go round-robin over tenants, and a lone tenant still gets them all.</summary>
public sealed class BatchTurnsTests
{
    [Fact]
    public async Task A_lone_tenant_gets_every_slot()
    {
        var turns = new BatchTurns(2);
        using var first = await turns.WaitAsync("a", CancellationToken.None);
        using var second = await turns.WaitAsync("a", CancellationToken.None);
        Assert.Equal(2, turns.Busy("a"));
    }

    [Fact]
    public async Task A_freed_slot_goes_to_the_waiting_tenant_with_fewer_chunks_under_way_before_a_busier_tenants_next_chunk()
    {
        var turns = new BatchTurns(2);
        var a1 = await turns.WaitAsync("a", CancellationToken.None);
        var a2 = await turns.WaitAsync("a", CancellationToken.None);
        var aNext = turns.WaitAsync("a", CancellationToken.None); // a's next chunk asked first
        var b = turns.WaitAsync("b", CancellationToken.None);

        a1.Dispose();
        Assert.True(b.IsCompletedSuccessfully); // b had none under way, a still had one
        Assert.False(aNext.IsCompleted);
        a2.Dispose();
        Assert.True(aNext.IsCompletedSuccessfully);
        (await b).Dispose();
        (await aNext).Dispose();
        Assert.Equal((0, 0), (turns.Busy("a"), turns.Busy("b")));
    }

    [Fact]
    public async Task Between_equally_busy_tenants_the_one_served_longest_ago_goes_next_whoever_asked_first()
    {
        var turns = new BatchTurns(1);
        var held = await turns.WaitAsync("a", CancellationToken.None);
        var b = turns.WaitAsync("b", CancellationToken.None);
        var a = turns.WaitAsync("a", CancellationToken.None);
        held.Dispose();
        Assert.True(b.IsCompletedSuccessfully);
        var c = turns.WaitAsync("c", CancellationToken.None);
        (await b).Dispose();
        Assert.True(c.IsCompletedSuccessfully); // never served yet: before a, though a asked first
        Assert.False(a.IsCompleted);
        (await c).Dispose();
        Assert.True(a.IsCompletedSuccessfully);
        (await a).Dispose();
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_queue_and_takes_no_slot()
    {
        var turns = new BatchTurns(1);
        var held = await turns.WaitAsync("a", CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var cancelled = turns.WaitAsync("b", stop.Token);
        var next = turns.WaitAsync("c", CancellationToken.None);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        held.Dispose();
        (await next).Dispose();
        Assert.Equal(0, turns.Busy("b"));
    }
}
