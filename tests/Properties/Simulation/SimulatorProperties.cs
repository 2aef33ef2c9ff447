using FsCheck.Xunit;
using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;

namespace RtcScamp.Tests.Simulation;

public class SimulatorProperties
{
    /// <summary>Any interleaving of pushes and pops returns events in (time, insertion) order, like a sorted list model.</summary>
    [Property(MaxTest = 200)]
    public bool Event_queue_matches_a_sorted_list_model(ulong seed, byte operations)
    {
        var random = new Xoshiro256StarStar(seed);
        var queue = new SimEventQueue();
        var model = new List<(long Time, int Id)>();
        int nextId = 0;
        for (int op = 0; op < operations * 4; op++)
        {
            if (random.NextInt(3) != 0)
            {
                long time = random.NextInt(20);
                queue.Push(new SimEvent { Time = time, To = nextId, Kind = (SimEventKind)random.NextInt(4) });
                model.Add((time, nextId++));
            }
            else if (model.Count > 0)
            {
                (long Time, int Id) expected = model.OrderBy(e => e.Time).ThenBy(e => e.Id).First();
                model.Remove(expected);
                if (!queue.TryPop(out SimEvent e) || e.Time != expected.Time || e.To != expected.Id)
                {
                    return false;
                }
            }
        }

        return queue.Count == model.Count;
    }

    /// <summary>Small overlays of any size, c and seed: both ends know every arc, nothing is lost, broadcasts reach all.</summary>
    [Property(MaxTest = 12)]
    public bool Small_overlays_are_symmetric_connected_and_broadcasts_reach_every_node(byte size, byte c, ulong seed)
    {
        var parameters = new SimulationParameters { Nodes = 2 + (size % 120), C = c % 3, Seed = seed, Trials = 3, JoinInterval = 5000 };
        SimulationResult r = ScampSimulation.Run(parameters);
        return r.PartialView.Mean == r.InView.Mean && r.StronglyConnected && r.Atomic == 1.0 && r.MeanReached == 1.0;
    }

    /// <summary>
    /// Any partition of a small overlay with heartbeats, of any length: while it holds, a broadcast reaches no node on
    /// the other side; once healed and settled, both ends agree on every arc and every live member has a PartialView
    /// (a node the partition left with no connection reports JoinFailed and is rejoined).
    /// </summary>
    [Property(MaxTest = 25)]
    public bool Partitions_never_leak_and_leave_consistent_views(ulong seed, byte size, byte cutPercent, ushort length)
    {
        var options = ScampSimulation.BuildOptions(1, 8) with { HeartbeatPeriod = 1000 };
        var network = new SimNetwork(options, seed) { TraceOutputs = false };
        var random = new Xoshiro256StarStar(seed);
        ScampSimulation.Build(network, 10 + (size % 60), joinInterval: 1000, ref random, progress: null, phase: "build");
        var sides = new int[network.Count];
        for (int i = 0; i < sides.Length; i++)
        {
            sides[i] = random.NextInt(100) < 1 + (cutPercent % 90) ? 1 : 0;
        }

        network.Partition(sides);
        var delivered = new bool[network.Count];
        network.OnOutput = (index, output) => delivered[index] |= output.Kind == OutputKind.Deliver;
        int origin = random.NextInt(network.Count);
        network.Broadcast(origin, new byte[] { 1 });
        network.RunUntil(network.Now + 100 + (length % 30_000));
        network.OnOutput = null;
        for (int i = 0; i < sides.Length; i++)
        {
            if (delivered[i] && sides[i] != sides[origin])
            {
                return false;
            }
        }

        network.Heal();
        network.RunUntil(network.Now + 120_000);
        for (int i = 0; i < network.Count; i++)
        {
            if (network.IsAlive(i) && network[i].State == NodeState.Member && network[i].PartialViewCount == 0)
            {
                return false;
            }
        }

        return OverlayAnalysis.FindViewViolation(network, checkSymmetry: true) is null;
    }

    /// <summary>Full-membership gossip with fanout 0 informs nobody; with fanout ≥ 1 it never counts the origin or dead nodes.</summary>
    [Property(MaxTest = 100)]
    public bool Gossip_model_counts_only_live_non_origin_nodes(ulong seed, byte n, byte deadEvery)
    {
        int nodes = 2 + n;
        var dead = new bool[nodes];
        int step = 2 + (deadEvery % 5);
        for (int i = 1; i < nodes; i += step)
        {
            dead[i] = true;
        }

        int live = dead.Count(d => !d);
        var random = new Xoshiro256StarStar(seed);
        long none = ScampSimulation.GossipWithFullMembership(dead, 0, 0, ref random, new bool[nodes], new int[nodes]);
        long some = ScampSimulation.GossipWithFullMembership(dead, 0, 3.5, ref random, new bool[nodes], new int[nodes]);
        return none == 0 && some >= 0 && some <= live - 1;
    }
}
