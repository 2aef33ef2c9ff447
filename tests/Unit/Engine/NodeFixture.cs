using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Engine;

/// <summary>Builds nodes with known views through the protocol itself (no randomness is consumed doing so).</summary>
internal static class NodeFixture
{
    public static readonly ScampOptions Quiet = new()
    {
        SendHello = false,
        ReportViewChanges = false,
        RecordRoutes = false,
        HeartbeatPeriod = 0,
        Lease = 0,
    };

    /// <summary>
    /// Node i's id: random-looking 128 bits, as a deployment's ids are, so these tests run the peer table's path that
    /// keeps the ids and confirms every key match (the simulator's tests run the path where keys stand for ids).
    /// </summary>
    public static NodeId N(int i)
    {
        ulong state = (ulong)i;
        return new(Xoshiro256StarStar.SplitMix64(ref state), Xoshiro256StarStar.SplitMix64(ref state));
    }

    public static ScampNode Make(ScampOptions? options = null, ulong seed = 1) => new(N(0), options ?? Quiet, seed);

    public static List<NodeOutput> Drain(ScampNode node)
    {
        var list = new List<NodeOutput>();
        while (node.TryPollOutput(out NodeOutput o))
        {
            list.Add(o);
        }

        return list;
    }

    public static void Connect(ScampNode node, NodeId peer, long now = 0)
    {
        node.HandleConnectionUp(peer, now);
        Drain(node);
    }

    /// <summary>Each peer becomes a PartialView member: a join through it answered by its contact Accept.</summary>
    public static void GivePartialView(ScampNode node, params NodeId[] peers)
    {
        foreach (NodeId p in peers)
        {
            Connect(node, p);
            node.Join(p, 0);
            node.HandleMessage(p, new Accept(node.Id, p, SubscribeFlags.None), 0);
            Drain(node);
        }
    }

    /// <summary>Each peer becomes an InView member: it tells the node it kept its subscription.</summary>
    public static void GiveInView(ScampNode node, params NodeId[] peers)
    {
        foreach (NodeId p in peers)
        {
            Connect(node, p);
            node.HandleMessage(p, new Accept(p, node.Id, SubscribeFlags.None), 0);
            Drain(node);
        }
    }

    public static NodeOutput Single(List<NodeOutput> outputs, OutputKind kind) => outputs.Single(o => o.Kind == kind);
}
