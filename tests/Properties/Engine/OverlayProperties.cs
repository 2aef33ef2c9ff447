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
    /// Graceful leaves can disconnect a SCAMP overlay: the last c+1 in-neighbours of a leaver just drop their arc
    /// (paper §4.2), so a small overlay can split, and nothing in SCAMP merges parts again. Connectivity after leaves
    /// holds with high probability, not always; this measures the probability over random schedules.
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

        Assert.True(connected * 10 >= schedules.Length * 9, $"{connected}/{schedules.Length} strongly connected; failures: {string.Join(", ", failures)}");
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
            // No heartbeats: no repair mechanism may add arcs, so the count is exactly the paper's.
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
            int replacements = 0;
            for (int k = 0; k < iv.Length - options.C - 1 && pv.Length > 0; k++)
            {
                NodeId r = pv[k % pv.Length];
                if (r != iv[k] && !net[net.IndexOf(iv[k])].IsInPartialView(r))
                {
                    replacements++;
                }
            }

            long before = OverlayAnalysis.CountArcs(net);
            net.Leave(leaver);
            run.RunQuiet();
            long after = OverlayAnalysis.CountArcs(net);
            long expected = before - pv.Length - iv.Length + replacements;
            string? violation = OverlayAnalysis.FindViewViolation(net, checkSymmetry: true);
            return (after == expected && violation is null)
                .Label($"before={before} ℓ={pv.Length} ℓ′={iv.Length} replacements={replacements} after={after} expected={expected} {violation}");
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
