using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Engine.Simulation;

namespace RtcScamp.Tests.Engine;

public class SimEventQueueProperties
{
    /// <summary>
    /// A queue operation: Pop when Push is false, else a push at (last popped time + Ahead); Ahead may be negative
    /// (the past, clamped at 0), around the 1024 ms window's edge, or a jump far ahead.
    /// </summary>
    public sealed record QueueOp(bool Push, long Ahead)
    {
        public override string ToString() => Push ? $"push(+{Ahead})" : "pop";
    }

    private static readonly Gen<QueueOp> s_op = Gen.Frequency(
        (8, Gen.Constant(new QueueOp(false, 0))),
        (5, Gen.Choose(0, 60).Select(a => new QueueOp(true, a))),
        (2, Gen.Choose(1020, 1030).Select(a => new QueueOp(true, a))),
        (1, Gen.Choose(2040, 2060).Select(a => new QueueOp(true, a))),
        (1, Gen.Choose(61, 100_000).Select(a => new QueueOp(true, a))),
        (1, Gen.Choose(-100, -1).Select(a => new QueueOp(true, a))),
        (1, Gen.Choose(1_000_000, 1_000_000_000).Select(a => new QueueOp(true, a))));

    [Property(MaxTest = 300)]
    public Property Pops_in_time_then_push_order_whatever_the_interleaving() =>
        Prop.ForAll(Gen.ArrayOf(s_op).ToArbitrary(), ops =>
        {
            var queue = new SimEventQueue();
            var model = new SortedSet<(long Time, int Seq)>();
            long now = 0;
            int seq = 0;
            int highWater = 0;
            foreach (QueueOp op in ops.Concat(Enumerable.Repeat(new QueueOp(false, 0), ops.Length)))
            {
                if (op.Push)
                {
                    long time = Math.Max(0, now + op.Ahead);
                    queue.Push(new SimEvent { Time = time, To = seq });
                    model.Add((time, seq++));
                    highWater = Math.Max(highWater, model.Count);
                }
                else if (model.Count > 0)
                {
                    (long Time, int Seq) expected = model.Min;
                    model.Remove(expected);
                    long peek = queue.PeekTime;
                    if (!queue.TryPop(out SimEvent e) || peek != expected.Time || (e.Time, e.To) != expected)
                    {
                        return false.Label($"expected {expected}, peeked {peek}, popped ({e.Time}, {e.To})");
                    }

                    now = e.Time;
                }
                else if (queue.TryPop(out _))
                {
                    return false.Label("popped from an empty queue");
                }

                if (queue.Count != model.Count)
                {
                    return false.Label($"count {queue.Count}, model {model.Count}");
                }
            }

            return (queue.HighWater == highWater).Label($"high water {queue.HighWater}, model {highWater}");
        });
}
