using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Engine;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Engine;

/// <summary>
/// Peer bytes are hostile: whatever decoded messages or raw frame bodies connected and unknown peers send,
/// in any order and at any time, no exception leaves the node and its views stay well-formed (never itself,
/// never a duplicate, only connected peers in the PartialView).
/// </summary>
public class EngineHostileInputProperties
{
    private const int Peers = 4;

    private static NodeId Self => new(0xAB, 0);

    // Index 0..Peers-1: connected peers; Peers: a node we have no connection to.
    private static NodeId Peer(int i) => new(0xAB, (ulong)i + 1);

    private static Gen<(int From, WireMessage Message)> Steps =>
        Gen.Choose(0, Peers).Zip(Gen.Frequency(
            (4, Wire.WireArbitraries.Messages(WireLimits.Default)),
            (1, Gen.Constant<WireMessage>(new Accept(Peer(0), Self, SubscribeFlags.None))),
            (1, Gen.Constant<WireMessage>(new Unsubscribe(Peer(1), Peer(2), default))),
            (1, Gen.Constant<WireMessage>(new Remove(RemoveArc.ReceiverToSender))),
            (1, Gen.Constant<WireMessage>(new ForwardedSubscription(Self, 3, SubscribeFlags.None, default, default)))));

    [Property(MaxTest = 300)]
    public Property Arbitrary_messages_from_any_peer_never_throw_and_keep_views_well_formed() =>
        Prop.ForAll(Gen.ArrayOf(Steps).ToArbitrary(), steps =>
        {
            ScampNode node = Member();
            long now = 0;
            foreach ((int from, WireMessage message) in steps)
            {
                now += 250;
                node.HandleMessage(Peer(from), message, now);
                node.HandleTimeout(now);
                Drain(node);
                AssertWellFormed(node);
            }

            return true;
        });

    [Property(MaxTest = 300)]
    public Property Arbitrary_frame_bodies_never_throw() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, Peers).Zip(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)))).ToArbitrary(), frames =>
        {
            ScampNode node = Member();
            long now = 0;
            foreach ((int from, byte[] body) in frames)
            {
                now += 100;
                node.HandleFrame(Peer(from), new ReadOnlySequence<byte>(body), now);
                Drain(node);
                AssertWellFormed(node);
            }

            return true;
        });

    private static ScampNode Member()
    {
        var node = new ScampNode(Self, Schedules.Options, 7);
        node.Start(0);
        for (int i = 0; i < Peers; i++)
        {
            node.HandleConnectionUp(Peer(i), 0);
        }

        Drain(node);
        return node;
    }

    private static void Drain(ScampNode node)
    {
        while (node.TryPollOutput(out _))
        {
        }
    }

    private static void AssertWellFormed(ScampNode node)
    {
        Span<NodeId> view = stackalloc NodeId[64];
        int n = node.CopyPartialView(view);
        for (int i = 0; i < n; i++)
        {
            if (view[i] == Self || !node.IsConnected(view[i]) || view[..i].Contains(view[i]))
            {
                throw new InvalidOperationException($"malformed PartialView entry {view[i]}");
            }
        }
    }
}
