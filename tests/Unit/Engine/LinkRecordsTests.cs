using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;
using Xunit;

namespace RtcScamp.Tests.Engine;

public class LinkRecordsTests
{
    [Fact]
    public void Holds_what_a_dictionary_holds_through_growth()
    {
        var records = new LinkRecords();
        var model = new Dictionary<ulong, uint>();
        var random = new Xoshiro256StarStar(11);
        for (int i = 0; i < 200_000; i++)
        {
            // Link keys as the simulator makes them (min << 32 | max), from few nodes so keys repeat and overwrite.
            int a = random.NextInt(3000), b = random.NextInt(3000);
            if (a == b)
            {
                continue;
            }

            ulong key = a < b ? ((ulong)(uint)a << 32) | (uint)b : ((ulong)(uint)b << 32) | (uint)a;
            if (random.NextInt(3) == 0)
            {
                Assert.Equal(model.TryGetValue(key, out uint expected), records.TryGetValue(key, out uint actual));
                Assert.Equal(expected, actual);
            }
            else
            {
                uint value = (uint)random.NextInt(1 << 20);
                model[key] = value;
                records.Set(key, value);
            }
        }

        Assert.Equal(model.Count, records.Count);
        foreach ((ulong key, uint value) in model)
        {
            Assert.True(records.TryGetValue(key, out uint actual));
            Assert.Equal(value, actual);
        }
    }

    [Fact]
    public void Many_pairs_with_the_same_xor_are_all_found()
    {
        // Every pair (i, i ^ 4095) has the same a ^ b: the default ulong hash put them all in one bucket.
        var records = new LinkRecords();
        for (uint i = 0; i < 2048; i++)
        {
            records.Set(((ulong)i << 32) | (i ^ 4095), i);
        }

        for (uint i = 0; i < 2048; i++)
        {
            Assert.True(records.TryGetValue(((ulong)i << 32) | (i ^ 4095), out uint value));
            Assert.Equal(i, value);
        }

        Assert.False(records.TryGetValue(5, out _));
        Assert.Equal(2048, records.Count);
    }

    [Fact]
    public void Key_zero_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkRecords().Set(0, 1));
    }
}
