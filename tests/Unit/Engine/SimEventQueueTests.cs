using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;
using Xunit;

namespace RtcScamp.Tests.Engine;

public class SimEventQueueTests
{
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
}
