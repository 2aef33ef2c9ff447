using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Engine.Simulation;
using Xunit;

namespace RtcScamp.Tests.Simulation;

/// <summary>
/// SimNetwork hands compact walk steps, forwarded copies and broadcasts to the nodes' compact handlers (the first two
/// skip the outbox): a run must be the same as with every message going through HandleMessage and the outbox, output
/// for output.
/// </summary>
public class CompactHandlerTests
{
    /// <summary>
    /// Both ways give the same run, and the same as the code before the handlers were split into rules and send
    /// (commit 33bd6dd: its trace hashes and event counts for these runs are the expected values; a change to the
    /// protocol, the harness or the scenario changes them, and then they must be recorded anew, knowingly).
    /// </summary>
    [Theory]
    [InlineData(0, 0.0, false, 0x80D3BBDD9D38BE33UL, 6765L)]
    [InlineData(1, 0.0, false, 0xC6C8BA71C499FA91UL, 14623L)]
    [InlineData(1, 0.05, false, 0x3444A8A1AD4F4DCDUL, 6981L)]
    [InlineData(2, 0.05, true, 0xE2B98E0B6A6F6F9FUL, 1006320L)]
    [InlineData(1, 0.0, true, 0xEEAC7A9E7BBFFF51UL, 497641L)]
    public void A_run_is_the_same_with_and_without_the_compact_handlers(int c, double loss, bool heartbeats, ulong recordedTrace, long recordedEvents)
    {
        (ulong trace, long events, string counters) compact = Run(c, loss, heartbeats, compactHandlers: true);
        (ulong trace, long events, string counters) viaOutbox = Run(c, loss, heartbeats, compactHandlers: false);
        Assert.Equal(viaOutbox, compact);
        Assert.Equal((recordedTrace, recordedEvents), (compact.trace, compact.events));
    }

    /// <summary>
    /// Walk steps prefetch their peers' slots only in large networks; on from the first node, a run (leaves, crashes,
    /// a partition, loss and duplication included) still gives the recorded trace.
    /// </summary>
    [Theory]
    [InlineData(1, 0.0, false, 0xC6C8BA71C499FA91UL, 14623L)]
    [InlineData(1, 0.05, false, 0x3444A8A1AD4F4DCDUL, 6981L)]
    public void Prefetching_the_peers_slots_on_walk_steps_changes_nothing(int c, double loss, bool heartbeats, ulong recordedTrace, long recordedEvents)
    {
        (ulong trace, long events, _) = Run(c, loss, heartbeats, compactHandlers: true, peerSlotPrefetchFrom: 0);
        Assert.Equal((recordedTrace, recordedEvents), (trace, events));
    }

    [Fact]
    public void Compact_handlers_are_on_unless_nodes_record_routes()
    {
        ScampOptions options = ScampSimulation.BuildOptions(1, 1);
        Assert.True(new SimNetwork(options, 1).CompactHandlers);
        var recording = new SimNetwork(options with { RecordRoutes = true }, 1) { CompactHandlers = true };
        Assert.False(recording.CompactHandlers);
    }

    /// <summary>
    /// A build, leaves, crashes (some notified), a partition with a join during it, and broadcasts: every kind of input,
    /// with loss, duplication and jitter when <paramref name="loss"/> &gt; 0. The trace hashes every output with its
    /// time and wire bytes.
    /// </summary>
    private static (ulong Trace, long Events, string Counters) Run(int c, double loss, bool heartbeats, bool compactHandlers, int? peerSlotPrefetchFrom = null)
    {
        ScampOptions options = ScampSimulation.BuildOptions(c, 4) with { HeartbeatPeriod = heartbeats ? 2000 : 0 };
        var conditions = new SimNetworkOptions { Jitter = loss > 0 ? 7 : 0, LossProbability = loss, DuplicateProbability = loss / 2 };
        var network = new SimNetwork(options, (ulong)(11 + c), conditions) { CompactHandlers = compactHandlers };
        if (peerSlotPrefetchFrom is int from)
        {
            network.PeerSlotPrefetchFrom = from;
        }

        var random = new Xoshiro256StarStar(5);
        ScampSimulation.Build(network, 150, 700, ref random, null, "build");
        for (int i = 0; i < 10; i++)
        {
            int leaver = random.NextInt(network.Count);
            if (network.IsAlive(leaver) && network[leaver].State == NodeState.Member)
            {
                network.Leave(leaver);
            }

            network.RunUntil(network.Now + 300);
        }

        for (int i = 0; i < 15; i++)
        {
            network.Crash(random.NextInt(network.Count), notifyPeers: i % 2 == 0);
        }

        int[] sides = new int[network.Count];
        for (int i = 0; i < sides.Length; i++)
        {
            sides[i] = i % 3 == 0 ? 1 : 0;
        }

        network.Partition(sides);
        network.RunUntil(network.Now + 3000);
        for (int i = 0; i < 20; i++)
        {
            int contact = random.NextInt(network.Count);
            if (network.IsAlive(contact))
            {
                network.AddAndJoin(contact);
                break;
            }
        }

        network.Heal();
        for (int i = 0; i < 3; i++)
        {
            int origin = random.NextInt(network.Count);
            if (network.IsAlive(origin) && network[origin].State == NodeState.Member)
            {
                network.Broadcast(origin, i == 1 ? new byte[] { 1, 2, 3 } : ReadOnlyMemory<byte>.Empty); // empty: compact
            }

            network.RunUntil(network.Now + 2000);
        }

        network.RunUntilQuiet(30_000, network.Now + 120_000);
        long kept = 0, forwarded = 0, walks = 0, sent = 0, received = 0;
        for (int i = 0; i < network.Count; i++)
        {
            ref readonly NodeCounters k = ref network[i].Counters;
            kept += k.SubscriptionsKept;
            forwarded += k.SubscriptionsForwarded;
            walks += k.WalkSteps;
            sent += k.MessagesSent;
            received += k.MessagesReceived;
        }

        Assert.True(forwarded > 0 && walks > 0 && network.Deliveries > 0, "the run exercised copies, walks and broadcasts");
        string counters = $"{kept} {forwarded} {walks} {sent} {received} {network.MessagesLostToClosedLinks} {network.LostToPartition} "
            + $"{network.AcceptsSent} {network.ContactsChosen} {network.ContactPartialViewSum} {network.Deliveries}";
        return (network.TraceHash, network.EventsProcessed, counters);
    }
}
