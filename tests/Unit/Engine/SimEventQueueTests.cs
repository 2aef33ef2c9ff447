using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;
using Xunit;

namespace RtcScamp.Tests.Engine;

public class SimEventQueueTests
{
    /// <summary>The queue's window in milliseconds (times within it of the last pop go straight into the wheel).</summary>
    private const long Window = 1024;

    [Fact]
    public void Pops_by_time_then_insertion_order()
    {
        var queue = new SimEventQueue();
        var random = new Xoshiro256StarStar(5);
        var pushed = new List<(long Time, int Id)>();
        for (int i = 0; i < 5000; i++)
        {
            long time = random.NextInt(50);
            pushed.Add((time, i));
            queue.Push(new SimEvent { Time = time, To = i });
        }

        var expected = pushed.OrderBy(p => p.Time).ThenBy(p => p.Id).Select(p => p.Id).ToArray();
        var actual = new List<int>();
        while (queue.TryPop(out SimEvent e))
        {
            actual.Add(e.To);
        }

        Assert.Equal(expected, actual);
        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void Empty_queue_pops_nothing()
    {
        var queue = new SimEventQueue();
        Assert.False(queue.TryPop(out SimEvent e));
        Assert.Equal(default, e);
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.HighWater);
    }

    [Fact]
    public void Every_field_survives_the_16_byte_record()
    {
        var queue = new SimEventQueue();
        var message = new SimEvent { Time = 7, To = int.MaxValue, From = -3, Epoch = uint.MaxValue, Kind = SimEventKind.Message, Handle = (1 << 28) - 1 };
        var close = new SimEvent { Time = 7, To = 1, From = 2, Epoch = 9, Kind = SimEventKind.Close, Reason = CloseReason.LivenessTimeout };
        var connect = new SimEvent { Time = 5000, To = 3, From = 4, Kind = SimEventKind.Connect };
        var timer = new SimEvent { Time = 6, To = 5, Kind = SimEventKind.Timer };
        queue.Push(message);
        queue.Push(close);
        queue.Push(connect);
        queue.Push(timer);

        Assert.True(queue.TryPop(out SimEvent e));
        Assert.Equal(timer, e);
        Assert.True(queue.TryPop(out e));
        Assert.Equal(message, e);
        Assert.True(queue.TryPop(out e));
        Assert.Equal(close, e);
        Assert.True(queue.TryPop(out e));
        Assert.Equal(connect, e);
    }

    [Fact]
    public void Handle_of_2_to_the_28_or_negative_throws()
    {
        var queue = new SimEventQueue();
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Push(new SimEvent { Time = 1, Handle = 1 << 28 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Push(new SimEvent { Time = 1, Handle = -1 }));
        Assert.Equal(0, queue.Count);
    }

    /// <summary>
    /// t is pushed first while outside the window (overflow), then the window moves so that t is inside, then t is
    /// pushed directly: the overflow one must still pop first, at every distance around the window's edge.
    /// </summary>
    [Theory]
    [InlineData(Window - 1)]
    [InlineData(Window)]
    [InlineData(Window + 1)]
    [InlineData(2 * Window)]
    [InlineData(1_000_000)]
    public void Equal_times_pushed_through_the_overflow_and_directly_keep_push_order(long ahead)
    {
        var queue = new SimEventQueue();
        queue.Push(new SimEvent { Time = 100, To = 0 });
        queue.Push(new SimEvent { Time = 100 + ahead, To = 1 });
        queue.Push(new SimEvent { Time = 100 + ahead, To = 2 });
        queue.Push(new SimEvent { Time = 99 + ahead, To = 3 });
        Assert.True(queue.TryPop(out SimEvent e));
        Assert.Equal((100L, 0), (e.Time, e.To));

        // Still at 100: a push at 100 + ahead is direct only if ahead < Window. Then step to just before the target.
        queue.Push(new SimEvent { Time = 100 + ahead, To = 4 });
        Assert.Equal(99 + ahead, queue.PeekTime);
        Assert.True(queue.TryPop(out e));
        Assert.Equal((99 + ahead, 3), (e.Time, e.To));

        // Now 100 + ahead is one millisecond away: direct.
        queue.Push(new SimEvent { Time = 100 + ahead, To = 5 });
        var order = new List<int>();
        while (queue.TryPop(out e))
        {
            Assert.Equal(100 + ahead, e.Time);
            order.Add(e.To);
        }

        Assert.Equal([1, 2, 4, 5], order);
    }

    /// <summary>A push before the last popped time is kept correct: it is the next event out, in push order.</summary>
    [Fact]
    public void Push_into_the_past_pops_next_in_push_order()
    {
        var queue = new SimEventQueue();
        queue.Push(new SimEvent { Time = 1000, To = 0 });
        queue.Push(new SimEvent { Time = 1010, To = 1 });
        queue.Push(new SimEvent { Time = 5000, To = 2 });
        Assert.True(queue.TryPop(out SimEvent e));
        Assert.Equal(0, e.To);

        queue.Push(new SimEvent { Time = 990, To = 3 });
        queue.Push(new SimEvent { Time = 5, To = 4 });
        queue.Push(new SimEvent { Time = 990, To = 5 });
        queue.Push(new SimEvent { Time = 1000, To = 6 });
        Assert.Equal(5, queue.PeekTime);

        var order = new List<(long, int)>();
        while (queue.TryPop(out e))
        {
            order.Add((e.Time, e.To));
        }

        Assert.Equal([(5L, 4), (990L, 3), (990L, 5), (1000L, 6), (1010L, 1), (5000L, 2)], order);
    }

    [Fact]
    public void Empty_then_refill_far_behind_or_far_ahead()
    {
        var queue = new SimEventQueue();
        foreach (long start in new long[] { 10, 1_000_000_000, 3, 0, long.MaxValue - 10, 40 })
        {
            queue.Push(new SimEvent { Time = start + 2, To = 1 });
            queue.Push(new SimEvent { Time = start, To = 0 });
            queue.Push(new SimEvent { Time = start + 2, To = 2 });
            Assert.Equal(start, queue.PeekTime);
            Assert.True(queue.TryPop(out SimEvent e));
            Assert.Equal((start, 0), (e.Time, e.To));
            Assert.True(queue.TryPop(out e));
            Assert.Equal((start + 2, 1), (e.Time, e.To));
            Assert.True(queue.TryPop(out e));
            Assert.Equal((start + 2, 2), (e.Time, e.To));
            Assert.False(queue.TryPop(out _));
        }

        Assert.Equal(3, queue.HighWater);
    }

    [Fact]
    public void Times_far_apart_jump_straight_to_the_next()
    {
        var queue = new SimEventQueue();
        long[] times = [0, 5, 2_000, 2_000, 1L << 40, (1L << 40) + 1023, (1L << 40) + 1024, 1L << 50];
        for (int i = times.Length - 1; i >= 0; i--)
        {
            queue.Push(new SimEvent { Time = times[i], To = i });
        }

        var popped = new List<long>();
        while (queue.Count > 0)
        {
            long peek = queue.PeekTime;
            Assert.True(queue.TryPop(out SimEvent e));
            Assert.Equal(peek, e.Time);
            popped.Add(e.Time);
        }

        Assert.Equal(times, popped);
    }

    /// <summary>
    /// Random interleavings of pushes and pops against a sorted (time, sequence) model: times near (the link
    /// latency), on the window's edge, beyond it, in the past, far jumps, and drains to empty.
    /// </summary>
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(42UL)]
    [InlineData(20261126UL)]
    public void Random_interleavings_match_a_sorted_model(ulong seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var queue = new SimEventQueue();
        var model = new SortedSet<(long Time, int Seq)>();
        long now = 0;
        int seq = 0;
        int highWater = 0;
        for (int step = 0; step < 200_000; step++)
        {
            int action = random.NextInt(100);
            if (action < 52)
            {
                long time = NextTime(ref random, now);
                queue.Push(new SimEvent { Time = time, To = seq, Kind = (SimEventKind)(seq & 3), Handle = seq & 3, Epoch = (uint)seq });
                model.Add((time, seq++));
                highWater = Math.Max(highWater, model.Count);
            }
            else if (action < 99)
            {
                PopAndCompare(queue, model, ref now);
            }
            else
            {
                while (model.Count > 0)
                {
                    PopAndCompare(queue, model, ref now);
                }
            }

            Assert.Equal(model.Count, queue.Count);
        }

        while (model.Count > 0)
        {
            PopAndCompare(queue, model, ref now);
        }

        Assert.False(queue.TryPop(out _));
        Assert.Equal(highWater, queue.HighWater);
    }

    [Fact]
    public void Burst_of_a_million_events_at_a_few_times_pops_in_order()
    {
        var queue = new SimEventQueue();
        long[] times = [1_000, 1_007, 1_049, 1_000 + Window, 1_000 + (3 * Window) + 5];
        var random = new Xoshiro256StarStar(9);
        const int Events = 1 << 20;
        var perTime = new int[times.Length];
        var timeOf = new byte[Events];
        for (int i = 0; i < Events; i++)
        {
            int t = random.NextInt(times.Length);
            timeOf[i] = (byte)t;
            perTime[t]++;
            queue.Push(new SimEvent { Time = times[t], To = i, Kind = SimEventKind.Message, Handle = i });
        }

        Assert.Equal(Events, queue.Count);
        Assert.Equal(Events, queue.HighWater);
        int t0 = 0;
        int last = -1;
        int seenAtTime = 0;
        for (int n = 0; n < Events; n++)
        {
            Assert.Equal(times[t0], queue.PeekTime);
            Assert.True(queue.TryPop(out SimEvent e));
            if (e.Time != times[t0] || timeOf[e.To] != t0 || e.To <= last || e.Handle != e.To)
            {
                Assert.Fail($"pop {n}: time {e.Time} event {e.To}, expected time {times[t0]} after event {last}");
            }

            last = e.To;
            if (++seenAtTime == perTime[t0])
            {
                t0++;
                last = -1;
                seenAtTime = 0;
            }
        }

        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryPop(out _));
    }

    /// <summary>The build shape (50 pending, one push per pop), once warm, allocates nothing.</summary>
    [Fact]
    public void Build_pattern_allocates_nothing_once_warm()
    {
        var queue = new SimEventQueue();
        var random = new Xoshiro256StarStar(3);
        for (int i = 0; i < 50; i++)
        {
            queue.Push(new SimEvent { Time = 5 + random.NextInt(46), To = i });
        }

        Cycle(queue, ref random, 200_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(queue, ref random, 200_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(50, queue.Count);

        static void Cycle(SimEventQueue queue, ref Xoshiro256StarStar random, int events)
        {
            for (int i = 0; i < events; i++)
            {
                queue.TryPop(out SimEvent e);
                queue.Push(new SimEvent { Time = e.Time + 5 + random.NextInt(46), To = e.To });
            }
        }
    }

    private static long NextTime(ref Xoshiro256StarStar random, long now)
    {
        int kind = random.NextInt(100);
        return kind switch
        {
            < 60 => now + 5 + random.NextInt(46),
            < 66 => now + random.NextInt(3),
            < 72 => now + Window - 1 + random.NextInt(3),
            < 76 => now + (2 * Window) + random.NextInt(3) - 1,
            < 86 => now + 1000 + random.NextInt(4000),
            < 90 => now + 1_000_000 + random.NextInt(1_000_000),
            < 96 => Math.Max(0, now - random.NextInt(100)),
            _ => now + random.NextInt(5),
        };
    }

    private static void PopAndCompare(SimEventQueue queue, SortedSet<(long Time, int Seq)> model, ref long now)
    {
        if (model.Count == 0)
        {
            Assert.False(queue.TryPop(out _));
            return;
        }

        (long time, int seq) = model.Min;
        model.Remove(model.Min);
        Assert.Equal(time, queue.PeekTime);
        Assert.True(queue.TryPop(out SimEvent e));
        Assert.Equal((time, seq), (e.Time, e.To));
        Assert.Equal((SimEventKind)(seq & 3), e.Kind);
        Assert.Equal((uint)seq, e.Epoch);
        now = time;
    }

    [Fact]
    public void PeekReceiver_sees_the_next_events_of_the_head_chunk_only()
    {
        var queue = new SimEventQueue();
        Assert.Equal(-1, queue.PeekReceiver(0));
        for (int i = 0; i < 100; i++)
        {
            queue.Push(new SimEvent { Time = 7, To = i, Handle = 1000 + i });
        }

        queue.Push(new SimEvent { Time = 8, To = 500, Kind = SimEventKind.Timer });

        // It looks at the slot of the last pop: before the first pop the window has not moved to time 7 yet.
        Assert.True(queue.TryPop(out SimEvent first));
        Assert.Equal(0, first.To);
        Assert.Equal(1, queue.PeekReceiver(0, out int handle));
        Assert.Equal(1001, handle);
        Assert.Equal(5, queue.PeekReceiver(4, out handle));
        Assert.Equal(1005, handle);

        // Events 64.. sit in the slot's second chunk, and the time-8 event in another slot: not seen (a hint only).
        Assert.Equal(63, queue.PeekReceiver(62));
        Assert.Equal(-1, queue.PeekReceiver(63));
        for (int i = 1; i < 100; i++)
        {
            Assert.Equal(i, queue.PeekReceiver(0));
            Assert.True(queue.TryPop(out SimEvent e));
            Assert.Equal(i, e.To);
        }

        Assert.Equal(-1, queue.PeekReceiver(0, out handle));
        Assert.Equal(-1, handle);
        Assert.True(queue.TryPop(out SimEvent timer));
        Assert.Equal(500, timer.To);
    }
}
