using RtcScamp.Engine;
using RtcScamp.Engine.Simulation;
using Xunit;

namespace RtcScamp.Tests.Engine;

public class LeaseTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Arc_count_stays_within_ten_percent_over_ten_lease_periods_and_no_node_loses_every_in_arc(ulong seed)
    {
        ScampOptions options = Schedules.Options with { Lease = 20_000, LeaseOverlap = 8_000 };
        var run = new ScheduleRun(options, seed);
        run.Execute(Enumerable.Range(0, 60).Select(i => new Op(OpKind.Join, i * 7919, 0)), stepGap: 300);
        SimNetwork net = run.Network;
        net.RunUntil(net.Now + 30_000);
        long initial = OverlayAnalysis.CountArcs(net);
        long resubscriptions = 0;
        for (int second = 1; second <= 200; second++)
        {
            net.RunUntil(net.Now + 1000);
            long arcs = OverlayAnalysis.CountArcs(net);
            Assert.InRange(arcs, initial * 0.9, initial * 1.1);
            for (int i = 0; i < net.Count; i++)
            {
                Assert.True(net[i].InViewCount > 0, $"node {i} had no in-arc at t={net.Now}");
            }
        }

        for (int i = 0; i < net.Count; i++)
        {
            resubscriptions += net[i].Counters.LeaseResubscriptions;
        }

        // Every node renewed its lease about ten times: the graph was really re-mixed.
        Assert.InRange(resubscriptions, 60 * 7, 60 * 14);
        Assert.True(OverlayAnalysis.IsStronglyConnected(net));
    }
}
