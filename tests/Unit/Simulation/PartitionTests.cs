using System.Text.Json;
using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Simulation;

public class PartitionTests
{
    // Heartbeat 1 s: a peer silent for 2·LivenessMultiple ticks of 0.5 s (5 s by default) is closed.
    private static (SimNetwork Network, int[] Sides) BuildAndSplit(ulong seed)
    {
        var options = ScampSimulation.BuildOptions(1, 16) with { HeartbeatPeriod = 1000 };
        var network = new SimNetwork(options, seed) { TraceOutputs = false };
        var random = new Xoshiro256StarStar(seed);
        ScampSimulation.Build(network, 200, joinInterval: 1000, ref random, progress: null, phase: "build");
        Assert.True(OverlayAnalysis.IsStronglyConnected(network));
        var sides = new int[network.Count];
        for (int i = 0; i < sides.Length; i++)
        {
            sides[i] = random.NextInt(10) < 3 ? 1 : 0;
        }

        network.Partition(sides);
        return (network, sides);
    }

    private static bool[] BroadcastFrom(SimNetwork network, int origin, long wait)
    {
        var delivered = new bool[network.Count];
        network.OnOutput = (index, output) => delivered[index] |= output.Kind == OutputKind.Deliver;
        network.Broadcast(origin, new byte[] { 7 });
        network.RunUntil(network.Now + wait);
        network.OnOutput = null;
        return delivered;
    }

    private static long CrossArcs(SimNetwork network, int[] sides)
    {
        var buffer = new NodeId[256];
        long cross = 0;
        for (int i = 0; i < network.Count; i++)
        {
            int n = network[i].CopyPartialView(buffer);
            for (int k = 0; k < n; k++)
            {
                cross += sides[network.IndexOf(buffer[k])] != sides[i] ? 1 : 0;
            }
        }

        return cross;
    }

    [Fact]
    public void Nothing_crosses_a_partition_and_one_shorter_than_the_liveness_timeout_heals_whole()
    {
        (SimNetwork network, int[] sides) = BuildAndSplit(21);
        long crossBefore = CrossArcs(network, sides);
        Assert.True(crossBefore > 100);
        int origin = Array.IndexOf(sides, 0);
        bool[] delivered = BroadcastFrom(network, origin, wait: 2000);

        Assert.True(network.IsPartitioned);
        Assert.True(network.LostToPartition > 0);
        for (int i = 0; i < sides.Length; i++)
        {
            Assert.False(sides[i] == 1 && delivered[i], $"node {i} across the partition delivered");
        }

        Assert.True(delivered.Count(d => d) > 100, "the origin's side got it");

        network.RunUntil(network.Now + 1000); // 3 s in all, under the 5 s liveness timeout
        network.Heal();
        network.RunUntil(network.Now + 10_000);
        Assert.False(network.IsPartitioned);
        Assert.Equal(crossBefore, CrossArcs(network, sides)); // no connection timed out
        long lost = network.LostToPartition;
        bool[] after = BroadcastFrom(network, Array.IndexOf(sides, 1), wait: 5000);
        Assert.Equal(network.Count - 1, after.Count(d => d));
        Assert.Equal(lost, network.LostToPartition);
    }

    [Fact]
    public void A_partition_longer_than_the_liveness_timeout_splits_the_overlay_for_good()
    {
        (SimNetwork network, int[] sides) = BuildAndSplit(22);
        network.RunUntil(network.Now + 30_000);
        network.Heal();
        network.RunUntil(network.Now + 30_000);

        // Every connection across timed out at both ends, and SCAMP has no way to find the other side again.
        Assert.Equal(0, CrossArcs(network, sides));
        Assert.Null(OverlayAnalysis.FindViewViolation(network, checkSymmetry: true));
        for (int side = 0; side <= 1; side++)
        {
            int origin = Array.IndexOf(sides, side);
            bool[] delivered = BroadcastFrom(network, origin, wait: 5000);
            for (int i = 0; i < sides.Length; i++)
            {
                Assert.False(sides[i] != side && delivered[i], $"node {i} on the other side delivered");
            }

            // Each side repairs itself (a node left with no connection reports JoinFailed and rejoins), but not
            // perfectly: e.g. two nodes left with arcs only to each other form an island no local rule can see.
            Assert.True(delivered.Count(d => d) >= sides.Count(s => s == side) * 9 / 10, "the origin's side stays connected");
        }
    }

    [Fact]
    public void A_join_during_a_partition_lands_on_its_contacts_side()
    {
        (SimNetwork network, int[] sides) = BuildAndSplit(23);
        int contact = Array.IndexOf(sides, 1);
        int joiner = network.AddAndJoin(contact);

        // Its walk may step across and be lost; then it retries after the join timeout (60 s), through its side.
        network.RunUntil(network.Now + 150_000);

        Assert.Equal(1, network.SideOf(joiner));
        Assert.True(network[joiner].PartialViewCount > 0);
        var buffer = new NodeId[256];
        int n = network[joiner].CopyPartialView(buffer);
        for (int k = 0; k < n; k++)
        {
            Assert.Equal(1, network.SideOf(network.IndexOf(buffer[k])));
        }
    }

    [Fact]
    public void Partition_needs_one_side_per_node()
    {
        var network = new SimNetwork(ScampSimulation.BuildOptions(1, 4), 1);
        network.AddFirst();
        network.AddAndJoin(0);
        Assert.Throws<ArgumentException>(() => network.Partition([0]));
    }

    [Fact]
    public void A_timeline_partition_is_deterministic_and_changes_nothing_before_it_begins()
    {
        var plain = new SimulationParameters
        {
            Nodes = 150, C = 1, Seed = 3, Trials = 0, JoinInterval = 1000, TimelineDuration = 200_000, SampleInterval = 20_000, TimelineHeartbeat = 2000,
        };
        SimulationParameters cut = plain with { PartitionFraction = 0.3, PartitionStart = 60_000, PartitionLength = 80_000 };
        SimulationResult a = ScampSimulation.Run(cut);
        SimulationResult b = ScampSimulation.Run(cut);
        SimulationResult none = ScampSimulation.Run(plain);

        Assert.Equal(a.Partition, b.Partition);
        Assert.Equal(a.Timeline, b.Timeline);
        Assert.Null(none.Partition);
        for (int k = 0; k < a.Timeline.Count && a.Timeline[k].Time < 60_000; k++)
        {
            Assert.Equal(none.Timeline[k], a.Timeline[k]);
        }

        PartitionOutcome p = a.Partition!;
        Assert.Equal(45, p.Cut);
        Assert.True(p.CrossArcsBefore > 0 && p.Lost > 0);
        Assert.Equal(p.CrossArcsBefore, a.Timeline.Single(s => s.Time == 60_000).CrossArcs);
        Assert.Equal(0, a.Timeline[^1].CrossArcs); // 80 s > the 10 s liveness timeout: the overlay split
        Assert.InRange(p.ReachedFromCut, 0.2, 0.31);
        Assert.InRange(p.ReachedFromRest, 0.6, 0.71);
    }

    [Fact]
    public void Simulate_reports_the_partition_in_json_and_in_the_table()
    {
        string[] args = ["simulate", "--nodes", "120", "--trials", "0", "--join-interval", "1000", "--partition", "0.25:20000:5000", "--duration", "60000", "--sample", "20000"];
        (int code, string o, _) = SimulatorTests.Cli([.. args, "--json", "--deterministic"]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(o);
        JsonElement timeline = doc.RootElement.GetProperty("timeline");
        JsonElement partition = timeline.GetProperty("partition");
        Assert.Equal(0.25, partition.GetProperty("fraction").GetDouble());
        Assert.Equal(20000, partition.GetProperty("at").GetInt64());
        Assert.Equal(5000, partition.GetProperty("length").GetInt64());
        Assert.Equal(30, partition.GetProperty("cut").GetInt32());
        Assert.True(partition.GetProperty("lost").GetInt64() > 0);
        Assert.Equal(1.0, partition.GetProperty("reachedFromCut").GetDouble()); // 5 s < the 25 s liveness timeout
        Assert.Equal(1.0, partition.GetProperty("reachedFromRest").GetDouble());
        Assert.All(timeline.GetProperty("samples").EnumerateArray(), s => Assert.True(s.TryGetProperty("crossArcs", out _)));

        (int tableCode, string table, _) = SimulatorTests.Cli(args);
        Assert.Equal(0, tableCode);
        Assert.Contains("reach after it: from cut / rest", table, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_without_a_partition_has_no_partition_fields()
    {
        (int code, string o, _) = SimulatorTests.Cli("simulate", "--nodes", "100", "--trials", "0", "--join-interval", "1000", "--churn", "0.1", "--duration", "20000", "--json", "--deterministic");
        Assert.Equal(0, code);
        Assert.DoesNotContain("crossArcs", o, StringComparison.Ordinal);
        Assert.DoesNotContain("\"partition\"", o, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partition_must_heal_within_the_duration()
    {
        (int code, _, string e) = SimulatorTests.Cli("simulate", "--nodes", "50", "--partition", "0.3:590000:20000", "--duration", "600000");
        Assert.Equal(2, code);
        Assert.Contains("must heal within --duration", e, StringComparison.Ordinal);

        // Without --duration the timeline runs on 2 minutes past the heal.
        (int ok, string o, _) = SimulatorTests.Cli("simulate", "--nodes", "50", "--trials", "0", "--join-interval", "1000", "--partition", "0.3:590000:20000", "--sample", "100000", "--json", "--deterministic");
        Assert.Equal(0, ok);
        using var doc = JsonDocument.Parse(o);
        JsonElement samples = doc.RootElement.GetProperty("timeline").GetProperty("samples");
        Assert.Equal(700_000, samples[samples.GetArrayLength() - 2].GetProperty("time").GetInt64()); // sampled every 100 s
        Assert.Equal(730_000, samples[samples.GetArrayLength() - 1].GetProperty("time").GetInt64()); // and at the end, 730 s
    }
}
