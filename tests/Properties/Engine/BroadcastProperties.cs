using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Engine.Broadcasting;
using RtcScamp.Engine.Simulation;
using RtcScamp.Wire;

namespace RtcScamp.Tests.Engine;

public class BroadcastProperties
{
    [Property(MaxTest = 60)]
    public Property Every_broadcast_reaches_each_reachable_live_node_exactly_once_despite_duplication_and_reordering() =>
        Prop.ForAll(Schedules.Arbitrary(maxOps: 100, joins: 6, leaves: 1, crashes: 0, broadcasts: 0, waits: 1), Gen.Choose(1, 12).ToArbitrary(), (schedule, broadcasts) =>
        {
            var run = new ScheduleRun(Schedules.Options, schedule.Seed).Execute(schedule.Ops);
            bool quietBefore = run.RunQuiet();

            // Duplicate and reorder from here on: broadcasts (and heartbeats) are what is in flight.
            run.Network.Conditions = new SimNetworkOptions { Jitter = 40, DuplicateProbability = 0.3 };
            run.Execute(Enumerable.Range(0, broadcasts).Select(i => new Op(OpKind.Broadcast, (int)(schedule.Seed % 1000) + (i * 31), 0)), stepGap: 5);
            bool quietAfter = run.RunQuiet();
            if (!quietBefore || !quietAfter)
            {
                return false.Label($"not quiet: {quietBefore} {quietAfter}");
            }

            // Never twice anywhere; exactly once where reachable; never to the origin.
            if (run.Deliveries.Values.Any(c => c > 1))
            {
                return false.Label("a node delivered a broadcast twice");
            }

            foreach ((MessageId id, int origin, bool[] reachable) in run.Broadcasts)
            {
                for (int node = 0; node < reachable.Length; node++)
                {
                    bool shouldGet = reachable[node] && node != origin && run.Network.IsAlive(node);
                    bool got = run.Deliveries.ContainsKey((node, id));
                    if (shouldGet != got)
                    {
                        return false.Label($"{id} node {node}: expected {shouldGet}, delivered {got}");
                    }
                }
            }

            return true.Label("ok");
        });

    [Property(MaxTest = 300)]
    public Property Dedup_ring_matches_a_queue_and_set_model() =>
        Prop.ForAll(
            Gen.Choose(1, 16).ToArbitrary(),
            Gen.ArrayOf(Gen.Choose(0, 1).SelectMany(a => Gen.Choose(0, 3).SelectMany(o => Gen.Choose(0, 24).Select(q => (Add: a == 1, Origin: o, Seq: q))))).ToArbitrary(),
            (capacity, ops) =>
            {
                var ring = new DedupRing(capacity);
                var order = new Queue<MessageId>();
                var set = new HashSet<MessageId>();
                foreach ((bool add, int origin, int seq) in ops)
                {
                    var id = new MessageId(new NodeId(7, (ulong)origin + 1), (ulong)seq);
                    if (add)
                    {
                        bool fresh = !set.Contains(id);
                        if (ring.TryAdd(id) != fresh)
                        {
                            return false.Label($"TryAdd({id}) disagreed with the model");
                        }

                        if (fresh)
                        {
                            order.Enqueue(id);
                            set.Add(id);
                            if (order.Count > capacity)
                            {
                                set.Remove(order.Dequeue());
                            }
                        }
                    }
                    else if (ring.Contains(id) != set.Contains(id))
                    {
                        return false.Label($"Contains({id}) disagreed with the model");
                    }

                    if (ring.Count != set.Count || ring.Count > capacity)
                    {
                        return false.Label($"count {ring.Count} vs model {set.Count}");
                    }
                }

                return true.Label("ok");
            });
}
