using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Engine;
using RtcScamp.Engine.Simulation;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Engine;

public class OverlayProperties
{
    [Property(MaxTest = 60)]
    public Property Views_never_hold_self_or_duplicates_and_are_symmetric_once_quiet() =>
        Prop.ForAll(Schedules.Arbitrary(maxOps: 120, joins: 6, leaves: 2, crashes: 1, broadcasts: 1, waits: 1), schedule =>
        {
            var run = new ScheduleRun(Schedules.Options, schedule.Seed).Execute(schedule.Ops);
            bool quiet = run.RunQuiet();
            string? violation = run.HygieneViolation ?? OverlayAnalysis.FindViewViolation(run.Network, checkSymmetry: true);
            return (quiet && violation is null).Label($"quiet={quiet} violation={violation}");
        });

    [Property(MaxTest = 60)]
    public Property Overlay_of_live_nodes_is_strongly_connected_after_any_schedule_of_concurrent_joins() =>
        Prop.ForAll(Schedules.Arbitrary(maxOps: 150, joins: 8, leaves: 0, crashes: 0, broadcasts: 0, waits: 1), schedule =>
        {
            var run = new ScheduleRun(Schedules.Options, schedule.Seed).Execute(schedule.Ops);
            bool quiet = run.RunQuiet();
            bool connected = OverlayAnalysis.IsStronglyConnected(run.Network);
            return (quiet && connected).Label($"quiet={quiet} {Views(run.Network)}");
        });

    /// <summary>
    /// After joins and graceful leaves nobody is cut off: once quiet, every live member has an out-arc (it can
    /// broadcast) and an in-arc (it hears broadcasts). A node whose last out-arc a leaver drops rejoins at once
    /// through a peer still connected (the leaver lingers for that); one left without in-arcs resubscribes.
    /// </summary>
    [Property(MaxTest = 120)]
    public Property No_live_node_is_cut_off_after_any_schedule_of_joins_and_graceful_leaves() =>
        Prop.ForAll(Schedules.Arbitrary(maxOps: 150, joins: 5, leaves: 2, crashes: 0, broadcasts: 0, waits: 1), schedule =>
        {
            var run = new ScheduleRun(Schedules.Options, schedule.Seed).Execute(schedule.Ops, stepGap: 1000);
            bool quiet = run.RunQuiet();
            SimNetwork net = run.Network;
            // A node alone (no join yet) has no arcs by definition; it is not cut off from anyone.
            bool alone = OverlayAnalysis.CountAlive(net) < 2;
            string cutOff = string.Join(' ', Enumerable.Range(0, net.Count)
                .Where(i => !alone && net.IsAlive(i) && (net[i].PartialViewCount == 0 || net[i].InViewCount == 0))
                .Select(i => $"{i}(pv={net[i].PartialViewCount},iv={net[i].InViewCount},state={net[i].State})"));
            return (quiet && cutOff.Length == 0).Label($"quiet={quiet} cut off: {cutOff}; {Views(net)}; {schedule}");
        });

    /// <summary>
    /// Strong connectivity after graceful leaves holds with high probability, not always, and cannot be guaranteed
    /// together with the paper's arc count (docs/engine.md, "Leaves and connectivity"): the last c+1 in-neighbours
    /// of a leaver drop their arc, and when one of them had its only path to part of the overlay through the
    /// leaver, that part is no longer reachable from it. This measures the probability over random schedules.
    /// </summary>
    [Fact]
    public void Overlay_stays_strongly_connected_after_joins_and_graceful_leaves_in_nearly_every_schedule()
    {
        Gen<Schedule> gen = Schedules.Arbitrary(maxOps: 150, joins: 5, leaves: 2, crashes: 0, broadcasts: 0, waits: 1).Generator;
        Schedule[] schedules = gen.Sample(100).ToArray();
        int connected = 0;
        var failures = new List<string>();
        foreach (Schedule schedule in schedules)
        {
            var run = new ScheduleRun(Schedules.Options, schedule.Seed).Execute(schedule.Ops, stepGap: 1000);
            run.RunQuiet();
            if (OverlayAnalysis.IsStronglyConnected(run.Network))
            {
                connected++;
            }
            else
            {
                failures.Add($"live={OverlayAnalysis.CountAlive(run.Network)}");
            }
        }

        Assert.True(connected * 100 >= schedules.Length * 93, $"{connected}/{schedules.Length} strongly connected; failures: {string.Join(", ", failures)}");
    }

    private static string Views(SimNetwork net) =>
        string.Join(' ', Enumerable.Range(0, net.Count).Where(net.IsAlive).Select(i => $"{i}:{Show(net, i)}"));

    [Property(MaxTest = 100)]
    public Property Same_seed_and_inputs_give_the_same_output_trace() =>
        Prop.ForAll(Schedules.Arbitrary(maxOps: 60, joins: 5, leaves: 1, crashes: 1, broadcasts: 2, waits: 1), schedule =>
        {
            var net = new SimNetworkOptions { Jitter = 20, DuplicateProbability = 0.002, LossProbability = 0.01 };
            ulong a = Trace(schedule, net);
            ulong b = Trace(schedule, net);
            return a == b;
        });

    [Property(MaxTest = 50)]
    public Property Unsubscription_removes_the_leavers_arcs_and_adds_l_prime_minus_c_minus_1_replacements() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).SelectMany(seed => Gen.Choose(3, 40).SelectMany(size => Gen.Choose(0, 1000).Select(pick => (seed, size, pick)))).ToArbitrary(), t =>
        {
            // No heartbeats: no timer-driven repair may add arcs, so the count is exactly the paper's, except that an
            // in-neighbour left with no out-arc at all rejoins at once (a new join, which adds arcs of its own).
            ScampOptions options = Schedules.Options with { HeartbeatPeriod = 0, C = 1 + (t.seed % 2) };
            var run = new ScheduleRun(options, (ulong)t.seed);
            var joins = Enumerable.Range(0, t.size).Select(i => new Op(OpKind.Join, i * 7919, 0)).ToArray();
            run.Execute(joins);
            run.RunQuiet();
            int leaver = run.Live[t.pick % run.Live.Count];
            SimNetwork net = run.Network;
            ScampNode l = net[leaver];
            var pv = new NodeId[l.PartialViewCount];
            var iv = new NodeId[l.InViewCount];
            l.CopyPartialView(pv);
            l.CopyInView(iv);
            int replacements = 0, emptied = 0;
            for (int k = 0; k < iv.Length; k++)
            {
                ScampNode j = net[net.IndexOf(iv[k])];
                bool replaced = false;
                if (k < iv.Length - options.C - 1 && pv.Length > 0)
                {
                    NodeId r = pv[k % pv.Length];
                    replaced = r != iv[k] && !j.IsInPartialView(r);
                    replacements += replaced ? 1 : 0;
                }

                emptied += !replaced && j.PartialViewCount == 1 ? 1 : 0;
            }

            long rejoinsBefore = Enumerable.Range(0, net.Count).Sum(i => net[i].Counters.EmptyViewRejoins);
            long before = OverlayAnalysis.CountArcs(net);
            net.Leave(leaver);
            run.RunQuiet();
            long after = OverlayAnalysis.CountArcs(net);
            long rejoins = Enumerable.Range(0, net.Count).Sum(i => net[i].Counters.EmptyViewRejoins) - rejoinsBefore;
            long expected = before - pv.Length - iv.Length + replacements;
            string? violation = OverlayAnalysis.FindViewViolation(net, checkSymmetry: true);
            bool count = emptied == 0 ? after == expected : after > expected;
            return (count && rejoins == emptied && violation is null)
                .Label($"before={before} ℓ={pv.Length} ℓ′={iv.Length} replacements={replacements} emptied={emptied} rejoins={rejoins} after={after} expected={expected} {violation}");
        });

    private static string Show(SimNetwork net, int i)
    {
        var b = new NodeId[64];
        int n = net[i].CopyPartialView(b);
        return "[" + string.Join(',', b.Take(n).Select(net.IndexOf)) + "]";
    }

    private static ulong Trace(Schedule schedule, SimNetworkOptions network)
    {
        var run = new ScheduleRun(Schedules.Options, schedule.Seed, network).Execute(schedule.Ops);
        run.Network.RunUntil(run.Network.Now + 10_000);
        return run.Network.TraceHash;
    }
}
