using RtcScamp.Engine;
using RtcScamp.Wire.Messages;
using Xunit;
using static RtcScamp.Tests.Engine.NodeFixture;

namespace RtcScamp.Tests.Engine;

public class LivenessTests
{
    private static readonly ScampOptions Beating = Quiet with { HeartbeatPeriod = 1000, LivenessMultiple = 5, SendHello = true };

    [Fact]
    public void Heartbeat_goes_out_on_a_tick_only_when_nothing_else_was_sent_since_the_last_tick()
    {
        ScampNode node = Make(Beating);
        node.HandleConnectionUp(N(1), 0);
        Assert.Equal(MessageType.Hello, Assert.Single(Drain(node)).Message.Type);
        node.Start(0);
        Assert.Equal(500, node.PollTimeout());

        node.HandleTimeout(500);
        Assert.Empty(Drain(node)); // the Hello went out during this tick
        Assert.Equal(1000, node.PollTimeout());

        node.HandleTimeout(1000);
        NodeOutput hb = Assert.Single(Drain(node));
        Assert.Equal((OutputKind.Send, N(1), MessageType.Heartbeat), (hb.Kind, hb.Peer, hb.Message.Type));

        // An idle link carries one heartbeat per tick (H/2): that is what bounds every gap by H.
        node.HandleMessage(N(1), new Heartbeat(1), 1300);
        node.HandleTimeout(1500);
        Assert.Equal(MessageType.Heartbeat, Assert.Single(Drain(node)).Message.Type);
        Assert.Equal(2, node.Counters.HeartbeatsSent);
    }

    [Fact]
    public void Any_frame_sent_in_a_tick_suppresses_the_heartbeat_and_gaps_never_exceed_H()
    {
        ScampNode node = Make(Beating);
        GivePartialView(node, N(1)); // joining starts the node at 0
        var sendTimes = new List<long>();
        for (long t = 0; t <= 20_000; t += 100)
        {
            if (t % 500 == 0)
            {
                node.HandleTimeout(t);
            }

            if (t % 700 == 0)
            {
                node.Broadcast(default, t);
            }

            if (t % 1000 == 0)
            {
                node.HandleMessage(N(1), new Heartbeat((ulong)t), t);
            }

            foreach (NodeOutput o in Drain(node))
            {
                if (o.Kind == OutputKind.Send)
                {
                    sendTimes.Add(t);
                }
            }
        }

        for (int i = 1; i < sendTimes.Count; i++)
        {
            Assert.InRange(sendTimes[i] - sendTimes[i - 1], 0, 1000);
        }

        // Broadcasts every 700 ms cover most ticks: far fewer heartbeats than ticks.
        Assert.InRange(node.Counters.HeartbeatsSent, 1, 20);
    }

    [Fact]
    public void Silence_for_k_times_H_kills_the_connection_and_its_arcs()
    {
        ScampNode node = Make(Beating with { ReportViewChanges = true });
        GivePartialView(node, N(1)); // joining starts the node at 0
        for (long t = 500; t <= 5000; t += 500)
        {
            node.HandleTimeout(t);
            Assert.DoesNotContain(Drain(node), o => o.Kind == OutputKind.Close);
        }

        node.HandleTimeout(5500);
        List<NodeOutput> outputs = Drain(node);
        Assert.Contains(outputs, o => o.Kind == OutputKind.ViewChanged && o.Change == ViewChange.PartialViewRemoved && o.Peer == N(1));
        NodeOutput close = Single(outputs, OutputKind.Close);
        Assert.Equal((N(1), CloseReason.LivenessTimeout), (close.Peer, close.Reason));
        Assert.Equal(0, node.PartialViewCount);
        Assert.Equal(1, node.Counters.LivenessKills);
    }

    [Fact]
    public void Receiving_anything_resets_the_liveness_clock()
    {
        ScampNode node = Make(Beating);
        GivePartialView(node, N(1)); // joining starts the node at 0
        for (long t = 500; t <= 20_000; t += 500)
        {
            if (t % 4000 == 0)
            {
                node.HandleMessage(N(1), new Heartbeat(1), t);
            }

            node.HandleTimeout(t);
            Assert.DoesNotContain(Drain(node), o => o.Kind == OutputKind.Close);
        }
    }

    [Fact]
    public void Isolated_node_resubscribes_through_a_PartialView_member_after_k_times_H()
    {
        ScampNode node = Make(Beating);
        GivePartialView(node, N(1)); // joining starts the node at 0
        List<NodeOutput> all = [];
        for (long t = 500; t <= 5000; t += 500)
        {
            node.HandleMessage(N(1), new Heartbeat(1), t);
            node.HandleTimeout(t);
            all.AddRange(Drain(node));
        }

        NodeOutput sub = Assert.Single(all, o => o.Message.Type == MessageType.Subscribe);
        Assert.Equal((N(1), SubscribeFlags.Isolated), (sub.Peer, sub.Message.AsSubscribe().Flags));
        Assert.Equal(1, node.Counters.IsolationResubscriptions);
    }

    [Fact]
    public void Connection_with_no_arcs_is_closed_after_the_connect_timeout()
    {
        ScampNode node = Make(Beating with { ConnectTimeout = 8000 });
        node.Start(0);
        Connect(node, N(1));
        var closes = new List<(long, CloseReason)>();
        for (long t = 500; t <= 10_000; t += 500)
        {
            node.HandleMessage(N(1), new Heartbeat(1), t);
            node.HandleTimeout(t);
            closes.AddRange(Drain(node).Where(o => o.Kind == OutputKind.Close).Select(o => (t, o.Reason)));
        }

        Assert.Equal([(8000L, CloseReason.Unused)], closes);
    }

    private static List<(long Time, NodeOutput Output)> Ticks(ScampNode node, long from, long to)
    {
        var outputs = new List<(long, NodeOutput)>();
        for (long t = from; t <= to; t += 500)
        {
            node.HandleTimeout(t);
            outputs.AddRange(Drain(node).Select(o => (t, o)));
        }

        return outputs;
    }

    [Fact]
    public void A_join_without_a_contact_arc_or_a_connection_left_reports_JoinFailed_once_after_the_join_timeout()
    {
        ScampNode node = Make(Beating with { JoinTimeout = 3000 });
        Connect(node, N(1));
        node.Join(N(1), 0);
        Drain(node);
        node.HandleConnectionDown(N(1), CloseReason.PeerClosed, 100);

        var failed = Ticks(node, 500, 20_000).Where(o => o.Output.Kind == OutputKind.JoinFailed).ToList();
        Assert.Equal(3000, Assert.Single(failed).Time);
    }

    [Fact]
    public void A_member_that_lost_every_connection_reports_JoinFailed_once_until_it_is_connected_again()
    {
        // Both peers fall silent (crashed, or beyond a partition): the liveness timeout closes them, and with no
        // connection left nothing could ever reach this node again.
        ScampNode node = Make(Beating);
        GivePartialView(node, N(1));
        GiveInView(node, N(2));
        List<(long Time, NodeOutput Output)> outputs = Ticks(node, 500, 30_000);
        Assert.Equal(2, outputs.Count(o => o.Output.Kind == OutputKind.Close && o.Output.Reason == CloseReason.LivenessTimeout));
        long closed = outputs.Where(o => o.Output.Kind == OutputKind.Close).Max(o => o.Time);
        (long Time, NodeOutput Output) failed = Assert.Single(outputs, o => o.Output.Kind == OutputKind.JoinFailed);
        Assert.Equal(closed, failed.Time); // the tick that closed the last connection
        Assert.Equal(0, node.PeerCount);

        // A connection resets it: alone again later, it reports again.
        Connect(node, N(3), 30_100);
        node.HandleConnectionDown(N(3), CloseReason.PeerClosed, 30_200);
        Assert.Single(Ticks(node, 30_500, 40_000), o => o.Output.Kind == OutputKind.JoinFailed);

        // The application answers by joining again through a new first contact.
        Connect(node, N(4), 40_100);
        node.Join(N(4), 40_100);
        Assert.Equal(MessageType.Subscribe, Assert.Single(Drain(node)).Message.Type);
    }

    [Fact]
    public void The_first_node_of_an_overlay_alone_never_reports_JoinFailed()
    {
        ScampNode node = Make(Beating);
        node.Start(0);
        Assert.DoesNotContain(Ticks(node, 500, 60_000), o => o.Output.Kind == OutputKind.JoinFailed);

        // Nor after its only peer left again.
        Connect(node, N(1), 60_100);
        node.HandleConnectionDown(N(1), CloseReason.PeerClosed, 60_200);
        Assert.DoesNotContain(Ticks(node, 60_500, 90_000), o => o.Output.Kind == OutputKind.JoinFailed);
    }
}
