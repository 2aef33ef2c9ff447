using RtcScamp.Engine.Broadcasting;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Engine;

public class DedupRingTests
{
    private static MessageId Id(ulong origin, ulong seq) => new(new NodeId(0, origin), seq);

    [Fact]
    public void Remembers_until_capacity_later_ids_then_forgets_the_oldest_first()
    {
        var ring = new DedupRing(3);
        Assert.True(ring.TryAdd(Id(1, 1)));
        Assert.False(ring.TryAdd(Id(1, 1)));
        Assert.True(ring.TryAdd(Id(1, 2)));
        Assert.True(ring.TryAdd(Id(2, 1)));
        Assert.Equal(3, ring.Count);
        Assert.True(ring.TryAdd(Id(3, 1)));
        Assert.Equal(3, ring.Count);
        Assert.False(ring.Contains(Id(1, 1)));
        Assert.True(ring.Contains(Id(1, 2)));
        Assert.True(ring.Contains(Id(2, 1)));
        Assert.True(ring.Contains(Id(3, 1)));

        // The forgotten id is new again: this is the documented re-delivery case.
        Assert.True(ring.TryAdd(Id(1, 1)));
        Assert.False(ring.Contains(Id(1, 2)));
    }

    [Fact]
    public void A_grown_ring_keeps_every_id_and_forgets_in_the_same_order()
    {
        var small = new DedupRing(4);
        var reference = new DedupRing(16);
        for (ulong i = 0; i < 6; i++)
        {
            small.TryAdd(Id(1, i));
            reference.TryAdd(Id(1, i));
        }

        DedupRing grown = small.Grown(16); // small had forgotten 0 and 1 already
        Assert.Equal(16, grown.Capacity);
        Assert.Equal(4, grown.Count);
        Assert.False(grown.Contains(Id(1, 1)));
        for (ulong i = 2; i < 6; i++)
        {
            Assert.True(grown.Contains(Id(1, i)));
        }

        for (ulong i = 6; i < 18; i++)
        {
            grown.TryAdd(Id(1, i));
        }

        Assert.True(grown.Contains(Id(1, 2)));
        Assert.True(grown.TryAdd(Id(1, 18))); // 16 remembered: the oldest, 2, goes first
        Assert.False(grown.Contains(Id(1, 2)));
        Assert.True(grown.Contains(Id(1, 3)));
    }

    [Fact]
    public void Capacity_one_keeps_only_the_last()
    {
        var ring = new DedupRing(1);
        Assert.True(ring.TryAdd(Id(1, 1)));
        Assert.True(ring.TryAdd(Id(1, 2)));
        Assert.False(ring.Contains(Id(1, 1)));
        Assert.False(ring.TryAdd(Id(1, 2)));
    }

    [Fact]
    public void Index_load_factor_is_at_most_one_half()
    {
        foreach (int capacity in new[] { 1, 2, 3, 100, 4096, 5000 })
        {
            var ring = new DedupRing(capacity);
            Assert.True(ring.IndexSlots >= 2 * capacity);
        }
    }

    [Fact]
    public void Many_colliding_insertions_and_evictions_keep_every_live_id_findable()
    {
        var ring = new DedupRing(64);
        for (ulong i = 0; i < 100_000; i++)
        {
            Assert.True(ring.TryAdd(Id(i % 5, i)));
            ulong oldest = i >= 63 ? i - 63 : 0;
            Assert.True(ring.Contains(Id(oldest % 5, oldest)));
            if (i >= 64)
            {
                Assert.False(ring.Contains(Id((i - 64) % 5, i - 64)));
            }
        }
    }

    [Fact]
    public void No_allocation_after_construction()
    {
        var ring = new DedupRing(1024);
        for (ulong i = 0; i < 2048; i++)
        {
            ring.TryAdd(Id(1, i));
        }

        ulong next = 0;
        long allocated = AllocationProbe.MinAllocatedBytes(() =>
        {
            for (int i = 0; i < 50_000; i++, next++)
            {
                ring.TryAdd(Id(2, next));
                ring.Contains(Id(1, next));
            }
        });

        Assert.Equal(0, allocated);
    }
}
