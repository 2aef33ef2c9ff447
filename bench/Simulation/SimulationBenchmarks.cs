using BenchmarkDotNet.Attributes;
using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;

namespace RtcScamp.Bench.Simulation;

/// <summary>
/// The simulator's cost: building a SCAMP overlay of real ScampNodes (joins 10 s apart, c = 1) and the event queue
/// alone. Per-event cost = Build time / events: this benchmark's 2000-node build takes 375 357 events (seed 1, default
/// walk budget 1); <c>rtcscamp simulate --nodes 2000 --json</c>, which draws contacts from another seed, 341 051.
/// </summary>
[MemoryDiagnoser]
public class SimulationBenchmarks
{
    private readonly SimEventQueue _queue = new();
    private Xoshiro256StarStar _random = new(1);

    /// <summary>Overlay size.</summary>
    [Params(2000)]
    public int Nodes { get; set; }

    /// <summary>Builds the overlay and returns the events it took.</summary>
    [Benchmark]
    public long Build()
    {
        var network = new SimNetwork(ScampSimulation.BuildOptions(1, 8), 1) { TraceOutputs = false };
        var random = new Xoshiro256StarStar(1);
        ScampSimulation.Build(network, Nodes, 10_000, ref random, null, "build");
        return network.EventsProcessed;
    }

    /// <summary>1024 pushes then 1024 pops on a queue holding ~1000 events (a build's steady state is ≤ 40).</summary>
    [Benchmark(OperationsPerInvoke = 2048)]
    public long QueuePushPop()
    {
        long sum = 0;
        for (int i = 0; i < 1024; i++)
        {
            _queue.Push(new SimEvent { Time = _random.NextInt(100_000), To = i });
        }

        for (int i = 0; i < 1024; i++)
        {
            _queue.TryPop(out SimEvent e);
            sum += e.To;
        }

        return sum;
    }
}
