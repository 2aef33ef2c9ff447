using BenchmarkDotNet.Attributes;
using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;

namespace RtcScamp.Bench.Simulation;

/// <summary>
/// The simulator's event queue alone, per event (one push + one pop), in the two shapes a simulation has:
/// <list type="bullet">
/// <item><see cref="Build"/>: an overlay build, ~50 pending events; each pop is followed by one push at the popped
/// time + uniform(5..50) ms (the link latency), so almost every millisecond holds one event.</item>
/// <item><see cref="Wave"/>: a broadcast wave at scale, 1 M events pushed over 50 distinct times, then all popped.</item>
/// </list>
/// The queue is kept across invocations (its pools warm), and time only moves forward, as in a simulation.
/// </summary>
[MemoryDiagnoser]
public class SimEventQueueBenchmarks
{
    private const int BuildPending = 50;
    private const int BuildEvents = 1 << 16;
    private const int WaveEvents = 1 << 20;
    private const int WaveTimes = 50;

    private readonly SimEventQueue _build = new();
    private readonly SimEventQueue _wave = new();
    private Xoshiro256StarStar _random = new(1);
    private long _waveNow;

    /// <summary>Fills the build queue with its steady ~50 pending events.</summary>
    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < BuildPending; i++)
        {
            _build.Push(new SimEvent { Time = 5 + _random.NextInt(46), To = i, Kind = SimEventKind.Message, Handle = i });
        }
    }

    /// <summary>Pop one event, push one at its time + uniform(5..50): the queue stays at 50 pending.</summary>
    [Benchmark(OperationsPerInvoke = BuildEvents)]
    public long Build()
    {
        long sum = 0;
        SimEventQueue queue = _build;
        for (int i = 0; i < BuildEvents; i++)
        {
            queue.TryPop(out SimEvent e);
            sum += e.To;
            queue.Push(new SimEvent { Time = e.Time + 5 + _random.NextInt(46), To = e.To, From = i, Kind = SimEventKind.Message, Handle = e.Handle });
        }

        return sum;
    }

    /// <summary>Push 2^20 events spread over 50 consecutive-ish times, then pop them all.</summary>
    [Benchmark(OperationsPerInvoke = WaveEvents)]
    public long Wave()
    {
        SimEventQueue queue = _wave;
        long start = _waveNow + 5;
        for (int i = 0; i < WaveEvents; i++)
        {
            queue.Push(new SimEvent { Time = start + _random.NextInt(WaveTimes), To = i, From = i >> 4, Kind = SimEventKind.Message, Handle = i });
        }

        long sum = 0;
        while (queue.TryPop(out SimEvent e))
        {
            sum += e.To;
            _waveNow = e.Time;
        }

        return sum;
    }
}
