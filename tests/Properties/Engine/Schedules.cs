using FsCheck;
using FsCheck.Fluent;
using RtcScamp.Engine;
using RtcScamp.Engine.Simulation;
using RtcScamp.Wire;

namespace RtcScamp.Tests.Engine;

internal enum OpKind
{
    Join,
    Leave,
    Crash,
    Broadcast,
    Wait,
}

/// <summary>One step of a random schedule; <see cref="Pick"/> selects a live node modulo the live count.</summary>
internal sealed record Op(OpKind Kind, int Pick, int Wait)
{
    public override string ToString() => $"{Kind}({Pick},{Wait})";
}

/// <summary>A random schedule plus the seed for the nodes and the network.</summary>
internal sealed record Schedule(ulong Seed, Op[] Ops)
{
    public override string ToString() => $"seed {Seed}: {string.Join(' ', Ops.Select(o => o.ToString()))}";
}

internal static class Schedules
{
    /// <summary>Options for property runs: heartbeats on, short timeouts so runs go quiet quickly, no leases.</summary>
    public static readonly ScampOptions Options = new()
    {
        HeartbeatPeriod = 1000,
        LivenessMultiple = 3,
        ConnectTimeout = 6000,
        JoinTimeout = 8000,
        LeaveLinger = 2000,
        Lease = 0,
        DedupCapacity = 1024,
        BroadcastHopLimit = 255,
        ReportViewChanges = false,
    };

    public const long QuietFor = 20_000;

    public static Arbitrary<Schedule> Arbitrary(int maxOps, int joins, int leaves, int crashes, int broadcasts, int waits) =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from count in Gen.Choose(1, maxOps)
         from ops in Gen.ArrayOf(Gen.Frequency(
             (joins, Gen.Choose(0, 1 << 20).Select(p => new Op(OpKind.Join, p, 0))),
             (leaves, Gen.Choose(0, 1 << 20).Select(p => new Op(OpKind.Leave, p, 0))),
             (crashes, Gen.Choose(0, 1 << 20).Select(p => new Op(OpKind.Crash, p, 0))),
             (broadcasts, Gen.Choose(0, 1 << 20).Select(p => new Op(OpKind.Broadcast, p, 0))),
             (waits, Gen.Choose(0, 3000).Select(w => new Op(OpKind.Wait, 0, w)))), count)
         select new Schedule((ulong)seed, ops)).ToArbitrary();
}

/// <summary>Runs a schedule on a <see cref="SimNetwork"/> and records every delivery.</summary>
internal sealed class ScheduleRun
{
    private readonly List<int> _live = [];

    public ScheduleRun(ScampOptions options, ulong seed, SimNetworkOptions? network = null)
    {
        Network = new SimNetwork(options, seed, network);
        Network.OnOutput = (node, output) =>
        {
            if (output.Kind == OutputKind.Deliver)
            {
                var key = (node, output.Message.AsBroadcast().Id);
                Deliveries[key] = Deliveries.GetValueOrDefault(key) + 1;
            }
        };
        _live.Add(Network.AddFirst());
    }

    public SimNetwork Network { get; }

    public Dictionary<(int Node, MessageId Id), int> Deliveries { get; } = [];

    /// <summary>Broadcasts with the live nodes that could receive them at send time (origin excluded).</summary>
    public List<(MessageId Id, int Origin, bool[] Reachable)> Broadcasts { get; } = [];

    /// <summary>First hygiene violation seen after any step (self or duplicate in a view).</summary>
    public string? HygieneViolation { get; private set; }

    public IReadOnlyList<int> Live => _live;

    public ScheduleRun Execute(IEnumerable<Op> ops, long stepGap = 40)
    {
        foreach (Op op in ops)
        {
            Apply(op);
            Network.RunUntil(Network.Now + stepGap);
            RefreshLive();
            HygieneViolation ??= OverlayAnalysis.FindViewViolation(Network, checkSymmetry: false);
        }

        return this;
    }

    public bool RunQuiet() => Network.RunUntilQuiet(Schedules.QuietFor, Network.Now + 300_000);

    public void Apply(Op op)
    {
        RefreshLive();
        int pick = _live.Count == 0 ? -1 : _live[op.Pick % _live.Count];
        switch (op.Kind)
        {
            case OpKind.Join when pick >= 0:
                _live.Add(Network.AddAndJoin(pick));
                break;
            case OpKind.Leave when _live.Count > 2 && Network[pick].State == NodeState.Member:
                Network.Leave(pick);
                break;
            case OpKind.Crash when _live.Count > 2:
                Network.Crash(pick, notifyPeers: (op.Pick & 1) == 0);
                break;
            case OpKind.Broadcast when pick >= 0 && Network[pick].State == NodeState.Member:
                MessageId id = Network.Broadcast(pick, new byte[] { 1, 2, 3, 4 });
                Broadcasts.Add((id, pick, OverlayAnalysis.Reachable(Network, pick)));
                break;
            case OpKind.Wait:
                Network.RunUntil(Network.Now + op.Wait);
                break;
        }
    }

    private void RefreshLive() => _live.RemoveAll(i => !Network.IsAlive(i) || Network[i].State != NodeState.Member);
}
