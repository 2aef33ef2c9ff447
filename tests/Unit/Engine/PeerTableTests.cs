using RtcScamp.Engine.Membership;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Engine;

/// <summary>
/// Lookups in the peer table: a linear scan up to 12 peers, then vectors of 16-bit keys (512-bit compares where the
/// hardware has them, 256-bit for the rest), each candidate confirmed against the full id.
/// </summary>
public class PeerTableTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(97)]
    [InlineData(150)]
    public void Every_peer_is_found_at_its_slot_and_strangers_are_not(int count)
    {
        var table = new PeerTable(8);
        var ids = new List<NodeId>();
        for (int i = 0; i < count; i++)
        {
            var id = new NodeId(0x1234_5678_9ABC_DEF0UL * (ulong)(i + 1), (ulong)i * 0x9E37_79B9_7F4A_7C15UL);
            ids.Add(id);
            Assert.Equal(i, table.Add(id));
        }

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, table.Find(ids[i]));
        }

        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(-1, table.Find(new NodeId(0xFFFF_0000UL + (ulong)i, 0x77UL)));
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(70)]
    public void Ids_whose_keys_collide_are_told_apart(int count)
    {
        // High ^ Low is the same for all of them, so all share one 16-bit key: every lookup must confirm the id.
        var table = new PeerTable(8);
        var ids = new List<NodeId>();
        for (int i = 0; i < count; i++)
        {
            ulong high = 0xA000UL + (ulong)i;
            var id = new NodeId(high, high ^ 0x5555_AAAAUL);
            ids.Add(id);
            table.Add(id);
        }

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, table.Find(ids[i]));
        }

        ulong strangerHigh = 0xA000UL + (ulong)count;
        Assert.Equal(-1, table.Find(new NodeId(strangerHigh, strangerHigh ^ 0x5555_AAAAUL)));
    }

    [Fact]
    public void A_removed_peer_is_gone_and_the_last_one_moves_into_its_slot()
    {
        var table = new PeerTable(8);
        var ids = new List<NodeId>();
        for (int i = 0; i < 60; i++)
        {
            var id = new NodeId(7, (ulong)i + 1);
            ids.Add(id);
            table.Add(id);
        }

        table.RemoveAt(10);
        Assert.Equal(-1, table.Find(ids[10]));
        Assert.Equal(10, table.Find(ids[59]));
        Assert.Equal(59, table.Count);
        for (int i = 0; i < 59; i++)
        {
            if (i != 10)
            {
                Assert.Equal(i, table.Find(ids[i]));
            }
        }
    }
}
