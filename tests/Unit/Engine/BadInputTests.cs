using System.Buffers;
using RtcScamp.Engine;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;
using Xunit;
using static RtcScamp.Tests.Engine.NodeFixture;

namespace RtcScamp.Tests.Engine;

public class BadInputTests
{
    [Fact]
    public void Message_from_an_unknown_peer_is_dropped_and_counted()
    {
        ScampNode node = Make();
        node.Start(0);
        node.HandleMessage(N(3), new Heartbeat(1), 0);
        node.HandleMessage(N(3), new Broadcast(new MessageId(N(3), 1), 1, default), 0);
        Assert.Empty(Drain(node));
        Assert.Equal(2, node.Counters.UnknownPeer);
    }

    public static TheoryData<string> Violations => new()
    {
        "accept-for-third-party",
        "subscribe-nan-budget",
        "subscribe-for-me",
        "unsubscribe-for-someone-else",
        "remove-unknown-arc-kind",
        "signal-wrong-hop",
        "default-message",
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Rule_breaking_message_closes_the_connection_with_ProtocolViolation(string which)
    {
        ScampNode node = Make();
        GivePartialView(node, N(1));
        WireMessage bad = which switch
        {
            "accept-for-third-party" => new Accept(N(7), N(8), SubscribeFlags.None),
            "subscribe-nan-budget" => new Subscribe(N(9), double.NaN, SubscribeFlags.None, default, default),
            "subscribe-for-me" => new Subscribe(N(0), 3, SubscribeFlags.None, default, default),
            "unsubscribe-for-someone-else" => new Unsubscribe(N(9), NodeId.None, default),
            "remove-unknown-arc-kind" => new Remove((RemoveArc)9),
            "signal-wrong-hop" => new Signal(N(1), N(5), SignalKind.Offer, 1, Route(N(1), N(4), N(5)), default),
            _ => default,
        };
        node.HandleMessage(N(1), bad, 0);
        NodeOutput close = Single(Drain(node), OutputKind.Close);
        Assert.Equal((N(1), CloseReason.ProtocolViolation), (close.Peer, close.Reason));
        Assert.False(node.IsConnected(N(1)));
        Assert.Equal(0, node.PartialViewCount);
        Assert.Equal(1, node.Counters.ProtocolViolations);
    }

    [Fact]
    public void Hello_naming_another_node_closes_with_IdentityMismatch_and_a_wrong_version_with_VersionMismatch()
    {
        ScampNode node = Make();
        node.Start(0);
        Connect(node, N(1));
        Connect(node, N(2));
        node.HandleMessage(N(1), new Hello(Hello.CurrentVersion, N(9), Capabilities.None), 0);
        node.HandleMessage(N(2), new Hello(99, N(2), Capabilities.None), 0);
        Assert.Equal(
            [(N(1), CloseReason.IdentityMismatch), (N(2), CloseReason.VersionMismatch)],
            Drain(node).Select(o => (o.Peer, o.Reason)).ToArray());
    }

    [Fact]
    public void Flooding_peer_is_cut_off_with_Flood()
    {
        ScampNode node = Make(Quiet with { HeartbeatPeriod = 1000, MaxMessagesPerPeerPerTick = 3 });
        node.Start(0);
        Connect(node, N(1));
        for (int i = 0; i < 3; i++)
        {
            node.HandleMessage(N(1), new Heartbeat((ulong)i), 1);
        }

        Assert.Empty(Drain(node));
        node.HandleMessage(N(1), new Heartbeat(4), 1);
        NodeOutput close = Single(Drain(node), OutputKind.Close);
        Assert.Equal(CloseReason.Flood, close.Reason);
        Assert.Equal(1, node.Counters.FloodCloses);
    }

    [Fact]
    public void Count_resets_every_tick_so_a_steady_peer_is_not_a_flood()
    {
        ScampNode node = Make(Quiet with { HeartbeatPeriod = 1000, MaxMessagesPerPeerPerTick = 3 });
        node.Start(0);
        Connect(node, N(1));
        for (long t = 100; t < 10_000; t += 200)
        {
            node.HandleMessage(N(1), new Heartbeat(1), t);
            node.HandleTimeout(t);
        }

        Assert.DoesNotContain(Drain(node), o => o.Reason == CloseReason.Flood);
    }

    [Fact]
    public void Unexpected_contact_accept_is_refused_with_a_remove()
    {
        ScampNode node = Make();
        node.Start(0);
        Connect(node, N(1));
        node.HandleMessage(N(1), new Accept(N(0), N(1), SubscribeFlags.None), 0);
        NodeOutput o = Assert.Single(Drain(node));
        Assert.Equal(RemoveArc.SenderToReceiver, o.Message.AsRemove().Arc);
        Assert.Equal(0, node.PartialViewCount);
    }

    [Fact]
    public void Oversized_broadcast_payload_closes_the_connection()
    {
        ScampNode node = Make(Quiet with { Limits = WireLimits.Default with { MaxPayloadLength = 4 } });
        GivePartialView(node, N(1));
        node.HandleMessage(N(1), new Broadcast(new MessageId(N(1), 1), 1, new ReadOnlySequence<byte>(new byte[5])), 0);
        Assert.Equal(CloseReason.ProtocolViolation, Single(Drain(node), OutputKind.Close).Reason);
    }

    [Fact]
    public void Signal_is_relayed_along_its_route_and_bounced_as_unreachable_when_the_next_hop_is_gone()
    {
        ScampNode node = Make();
        node.Start(0);
        Connect(node, N(1));
        Connect(node, N(2));
        node.HandleMessage(N(1), new Signal(N(1), N(2), SignalKind.Offer, 1, Route(N(1), N(0), N(2)), new ReadOnlySequence<byte>(new byte[] { 42 })), 0);
        NodeOutput relayed = Assert.Single(Drain(node));
        Signal s = relayed.Message.AsSignal();
        Assert.Equal((N(2), (byte)2, SignalKind.Offer), (relayed.Peer, s.Hop, s.Kind));

        node.HandleMessage(N(1), new Signal(N(1), N(3), SignalKind.Offer, 1, Route(N(1), N(0), N(3)), default), 0);
        NodeOutput back = Assert.Single(Drain(node));
        Signal u = back.Message.AsSignal();
        Assert.Equal((N(1), SignalKind.Unreachable, N(1)), (back.Peer, u.Kind, u.Target));
        Assert.Equal(N(0), u.Route[0]);
        Assert.Equal(N(1), u.Route[1]);
        Assert.Equal(1, node.Counters.SignalsUnreachable);

        node.HandleMessage(N(2), new Signal(N(2), N(0), SignalKind.Answer, 1, Route(N(2), N(0)), default), 0);
        Assert.Equal(OutputKind.SignalArrived, Assert.Single(Drain(node)).Kind);
    }

    private static NodeRoute Route(params NodeId[] ids)
    {
        var bytes = new byte[ids.Length * NodeId.Size];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i].Write(bytes.AsSpan(i * NodeId.Size));
        }

        return new NodeRoute(new ReadOnlySequence<byte>(bytes));
    }
}
