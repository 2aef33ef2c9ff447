using RtcScamp.Engine.Membership;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Engine;

/// <summary>
/// Lookups in the peer table: a linear scan up to 12 peers, then vectors of 32-bit keys (512-bit compares where the
/// hardware has them, 256-bit for the rest). Each candidate is confirmed against the full id, except while every id in
/// the table shares one high word and has a low word below 2³² (a simulator's ids): then the keys are the ids.
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
        // High ^ Low is the same for all of them, so all share one 32-bit key: every lookup must confirm the id.
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

    [Theory]
    [InlineData(1)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(47)]
    [InlineData(150)]
    public void Ids_of_one_high_word_and_a_32_bit_low_word_are_kept_as_keys_alone(int count)
    {
        const ulong tag = 0x5CA3_9000_0000_0000UL;
        var table = new PeerTable(8);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, table.Add(new NodeId(tag, (ulong)(i * 7) + 1)));
        }

        Assert.True(table.KeysAreIds);
        for (int i = 0; i < count; i++)
        {
            var id = new NodeId(tag, (ulong)(i * 7) + 1);
            Assert.Equal(i, table.Find(id));
            Assert.Equal(id, table.IdAt(i));
        }

        // Strangers: an id between the members, another high word, and a low word of 33 bits or more whose key equals a
        // member's (low word (x << 32) | (1 ^ x) folds to 1, the first member's).
        Assert.Equal(-1, table.Find(new NodeId(tag, 2)));
        Assert.Equal(-1, table.Find(new NodeId(tag + 1, 1)));
        Assert.Equal(-1, table.Find(new NodeId(tag, (0xABCDUL << 32) | (1 ^ 0xABCDUL))));
        Assert.Equal(-1, table.Find(new NodeId(tag ^ (0xABCDUL << 32) ^ 0xABCDUL, 1)));
    }

    [Theory]
    [InlineData(13)]
    [InlineData(20)]
    [InlineData(47)]
    [InlineData(64)]
    [InlineData(65)]
    public void An_id_whose_key_is_zero_is_found_only_as_a_member_not_in_the_unused_keys(int count)
    {
        // The keys past the count are 0; a key-only lookup must not take them for a member. (tag, Fold(tag)) has key 0.
        const ulong tag = 0x5CA3_9000_0000_0000UL;
        var zero = new NodeId(tag, 0x5CA3_9000UL);
        var table = new PeerTable(8);
        for (int i = 0; i < count; i++)
        {
            table.Add(new NodeId(tag, (ulong)i + 1));
        }

        Assert.True(table.KeysAreIds);
        Assert.Equal(-1, table.Find(zero));
        Assert.Equal(count, table.Add(zero));
        Assert.Equal(count, table.Find(zero));
        table.RemoveAt(count);
        Assert.Equal(-1, table.Find(zero));
    }

    [Fact]
    public void The_first_id_that_breaks_the_rule_brings_the_ids_back_and_every_lookup_stays_exact()
    {
        const ulong tag = 0x5CA3_9000_0000_0000UL;
        var table = new PeerTable(8);
        var ids = new List<NodeId>();
        for (int i = 0; i < 40; i++)
        {
            ids.Add(new NodeId(tag, (ulong)i + 1));
            table.Add(ids[^1]);
        }

        // Same key as the first member (1 ^ Fold(tag)), but a 33-bit low word.
        var twin = new NodeId(tag, (0xABCDUL << 32) | (1 ^ 0xABCDUL));
        Assert.Equal(-1, table.Find(twin));
        ids.Add(twin);
        Assert.Equal(40, table.Add(twin));
        Assert.False(table.KeysAreIds);
        ids.Add(new NodeId(0x1234_5678_9ABC_DEF0UL, 0x0FED_CBA9_8765_4321UL));
        table.Add(ids[^1]);
        for (int i = 0; i < ids.Count; i++)
        {
            Assert.Equal(i, table.Find(ids[i]));
            Assert.Equal(ids[i], table.IdAt(i));
        }

        table.RemoveAt(0);
        Assert.Equal(-1, table.Find(ids[0]));
        Assert.Equal(0, table.Find(ids[^1]));
        Assert.Equal(40, table.Find(twin));
        Assert.Equal(twin, table.IdAt(40));
    }

    [Fact]
    public void An_emptied_table_starts_over_with_the_next_id()
    {
        var table = new PeerTable(8);
        var stranger = new NodeId(0x1234_5678_9ABC_DEF0UL, 0x0FED_CBA9_8765_4321UL);
        table.Add(stranger);
        Assert.False(table.KeysAreIds);
        table.RemoveAt(0);

        for (int i = 0; i < 20; i++)
        {
            table.Add(new NodeId(9, (ulong)i + 1));
        }

        Assert.True(table.KeysAreIds);
        Assert.Equal(-1, table.Find(stranger));
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(i, table.Find(new NodeId(9, (ulong)i + 1)));
            Assert.Equal(new NodeId(9, (ulong)i + 1), table.IdAt(i));
        }
    }

    [Theory]
    [InlineData(1UL, 40)]
    [InlineData(2UL, 70)]
    [InlineData(3UL, 130)]
    public void The_flag_bits_follow_the_entries_through_adds_removes_and_flag_changes(ulong seed, int size)
    {
        // A model of each slot's flags beside the table; after every step, Has(slot, flags) must answer from the bits
        // (first 64 slots) or the entry exactly as the model does, for each masked flag and the walk's PartialView | InView.
        var random = new RtcScamp.Engine.Randomness.Xoshiro256StarStar(seed);
        var table = new PeerTable(8);
        var model = new List<PeerFlags>();
        PeerFlags[] flags = [PeerFlags.Connected, PeerFlags.PartialView, PeerFlags.InView, PeerFlags.PendingOut, PeerFlags.Connecting];
        ulong next = 1;
        for (int step = 0; step < 5_000; step++)
        {
            int op = random.NextInt(10);
            if (model.Count == 0 || (op < 3 && model.Count < size))
            {
                Assert.Equal(model.Count, table.Add(new NodeId(5, next++)));
                model.Add(PeerFlags.None);
            }
            else if (op < 5)
            {
                int slot = random.NextInt(model.Count);
                table.RemoveAt(slot);
                model[slot] = model[^1];
                model.RemoveAt(model.Count - 1);
            }
            else
            {
                int slot = random.NextInt(model.Count);
                PeerFlags flag = flags[random.NextInt(flags.Length)];
                if (op < 8)
                {
                    table.SetFlags(slot, flag);
                    model[slot] |= flag;
                }
                else
                {
                    table.ClearFlags(slot, flag);
                    model[slot] &= ~flag;
                }
            }

            Assert.True(table.BitsAgree(), $"step {step}");
            for (int slot = 0; slot < model.Count; slot++)
            {
                Assert.Equal(model[slot], table[slot].Flags);
                foreach (PeerFlags asked in (PeerFlags[])[PeerFlags.Connected, PeerFlags.PartialView, PeerFlags.InView, PeerFlags.PartialView | PeerFlags.InView])
                {
                    Assert.Equal((model[slot] & asked) != 0, table.Has(slot, asked));
                }
            }
        }
    }
}
