using System.Buffers;
using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;
using Xunit;
using static RtcScamp.Tests.Engine.NodeFixture;

namespace RtcScamp.Tests.Engine;

public class MembershipRuleTests
{
    [Fact]
    public void Join_sends_one_subscribe_with_the_full_budget_to_the_first_contact()
    {
        ScampNode node = Make();
        Connect(node, N(1));
        node.Join(N(1), 0);
        NodeOutput o = Assert.Single(Drain(node));
        Assert.Equal(OutputKind.Send, o.Kind);
        Assert.Equal(N(1), o.Peer);
        Subscribe s = o.Message.AsSubscribe();
        Assert.Equal(N(0), s.Subscriber);
        Assert.Equal(ScampOptions.Default.WalkBudget, s.Budget);
        Assert.Equal(SubscribeFlags.None, s.Flags);
    }

    [Fact]
    public void Join_without_a_connection_to_the_first_contact_is_caller_misuse()
    {
        ScampNode node = Make();
        Assert.Throws<InvalidOperationException>(() => node.Join(N(1), 0));
    }

    [Fact]
    public void Contact_with_four_in_its_PartialView_and_c_2_emits_exactly_six_forwarded_subscriptions()
    {
        const ulong seed = 5;
        ScampNode node = Make(Quiet with { C = 2 }, seed);
        GivePartialView(node, N(1), N(2), N(3), N(4));
        Assert.Equal(4, node.PartialViewCount);

        // Budget 0.1 - 1/4 < 0: this node is the contact.
        node.HandleMessage(N(1), new Subscribe(N(9), 0.1, SubscribeFlags.None, default, default), 0);
        List<NodeOutput> outputs = Drain(node);

        var mirror = new Xoshiro256StarStar(seed);
        NodeId[] table = [N(1), N(2), N(3), N(4)];
        NodeId[] expectedTargets = [N(1), N(2), N(3), N(4), table[mirror.NextInt(4)], table[mirror.NextInt(4)]];
        NodeOutput[] sends = outputs.Where(o => o.Kind == OutputKind.Send).ToArray();
        Assert.Equal(6, sends.Length);
        Assert.Equal(expectedTargets, sends.Select(o => o.Peer).ToArray());
        Assert.All(sends, o =>
        {
            ForwardedSubscription f = o.Message.AsForwardedSubscription();
            Assert.Equal(N(9), f.Subscriber);
            Assert.Equal(0, f.Hops);
        });

        // And the first join's arc subscriber→contact: connect to the subscriber first.
        NodeOutput connect = Single(outputs, OutputKind.Connect);
        Assert.Equal(N(9), connect.Peer);
        Assert.Equal(7, outputs.Count);

        node.HandleConnectionUp(N(9), 1);
        NodeOutput accept = Assert.Single(Drain(node));
        Assert.Equal(new Accept(N(9), N(0), SubscribeFlags.None), accept.Message.AsAccept());
        Assert.True(node.IsInInView(N(9)));
        Assert.Equal(1, node.Counters.ContactsServed);
    }

    [Fact]
    public void Contact_with_an_empty_PartialView_keeps_the_subscriber_itself()
    {
        ScampNode node = Make();
        node.Start(0);
        Connect(node, N(9));
        node.HandleMessage(N(9), new Subscribe(N(9), 10, SubscribeFlags.None, default, default), 0);
        List<NodeOutput> outputs = Drain(node);
        Assert.Equal(
            [new Accept(N(0), N(9), SubscribeFlags.None), new Accept(N(9), N(0), SubscribeFlags.None)],
            outputs.Select(o => o.Message.AsAccept()).ToArray());
        Assert.True(node.IsInPartialView(N(9)));
        Assert.True(node.IsInInView(N(9)));
    }

    [Fact]
    public void Lease_resubscription_at_the_contact_does_not_make_a_contact_arc()
    {
        ScampNode node = Make(Quiet with { C = 0 });
        GivePartialView(node, N(1));
        Connect(node, N(9));
        node.HandleMessage(N(9), new Subscribe(N(9), 0.5, SubscribeFlags.Lease, default, default), 0);
        NodeOutput o = Assert.Single(Drain(node));
        Assert.Equal(MessageType.ForwardedSubscription, o.Message.Type);
        Assert.False(node.IsInInView(N(9)));
    }

    [Fact]
    public void Walk_step_subtracts_one_over_degree_and_moves_to_a_uniform_neighbour()
    {
        const ulong seed = 11;
        ScampNode node = Make(Quiet, seed);
        GivePartialView(node, N(1), N(2));
        GiveInView(node, N(3));
        node.HandleMessage(N(1), new Subscribe(N(9), 2.0, SubscribeFlags.None, default, default), 0);
        NodeOutput o = Assert.Single(Drain(node));
        Subscribe s = o.Message.AsSubscribe();
        Assert.Equal(2.0 - (1.0 / 3), s.Budget, 12);

        var mirror = new Xoshiro256StarStar(seed);
        Assert.Equal(N(mirror.NextInt(3) + 1), o.Peer);
        Assert.Equal(1, node.Counters.WalkSteps);
    }

    [Fact]
    public void Forwarded_subscription_is_kept_or_forwarded_exactly_as_the_seeded_draw_says()
    {
        bool sawKeep = false;
        bool sawForward = false;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            ScampNode node = Make(Quiet, seed);
            GivePartialView(node, N(1), N(2), N(3));
            node.HandleMessage(N(1), new ForwardedSubscription(N(9), 4, SubscribeFlags.None, default, default), 0);
            List<NodeOutput> outputs = Drain(node);

            var mirror = new Xoshiro256StarStar(seed);
            if (mirror.NextInt(3 + 1) == 0)
            {
                sawKeep = true;
                NodeOutput connect = Assert.Single(outputs);
                Assert.Equal(OutputKind.Connect, connect.Kind);
                Assert.Equal(N(9), connect.Peer);
                node.HandleConnectionUp(N(9), 1);
                NodeOutput accept = Assert.Single(Drain(node));
                Assert.Equal(new Accept(N(0), N(9), SubscribeFlags.None), accept.Message.AsAccept());
                Assert.True(node.IsInPartialView(N(9)));
            }
            else
            {
                sawForward = true;
                NodeOutput send = Assert.Single(outputs);
                Assert.Equal(N(mirror.NextInt(3) + 1), send.Peer);
                Assert.Equal(new ForwardedSubscription(N(9), 5, SubscribeFlags.None, default, default).Subscriber, send.Message.AsForwardedSubscription().Subscriber);
                Assert.Equal(5, send.Message.AsForwardedSubscription().Hops);
            }
        }

        Assert.True(sawKeep && sawForward);
    }

    [Fact]
    public void Subscriber_already_in_the_PartialView_is_never_kept_again()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            ScampNode node = Make(Quiet, seed);
            GivePartialView(node, N(1), N(9));
            node.HandleMessage(N(1), new ForwardedSubscription(N(9), 0, SubscribeFlags.None, default, default), 0);
            NodeOutput o = Assert.Single(Drain(node));
            Assert.Equal(MessageType.ForwardedSubscription, o.Message.Type);
        }
    }

    [Fact]
    public void Anti_loop_guards_destroy_copies_and_count_them()
    {
        ScampNode node = Make(Quiet with { SeenLimit = 2, SubscriptionHopLimit = 10 });
        GivePartialView(node, N(1), N(9));
        node.HandleMessage(N(1), new ForwardedSubscription(N(7), 10, SubscribeFlags.None, default, default), 0);
        Assert.Empty(Drain(node));
        Assert.Equal(1, node.Counters.CopiesLostHopLimit);

        for (int i = 0; i < 3; i++)
        {
            node.HandleMessage(N(1), new ForwardedSubscription(N(9), 0, SubscribeFlags.None, default, default), 0);
        }

        Assert.Equal(2, Drain(node).Count);
        Assert.Equal(1, node.Counters.CopiesLostSeenLimit);

        // The seen count is forgotten after the window.
        node.HandleMessage(N(1), new ForwardedSubscription(N(9), 0, SubscribeFlags.None, default, default), ScampOptions.Default.SeenWindow + 1);
        Assert.Single(Drain(node));
    }

    [Fact]
    public void Unsubscribe_tells_the_first_l_prime_minus_c_minus_1_in_neighbours_their_replacements()
    {
        ScampNode node = Make(Quiet with { C = 1 });
        GivePartialView(node, N(1), N(2));
        GiveInView(node, N(11), N(12), N(13), N(14));
        node.Leave(0);
        List<NodeOutput> outputs = Drain(node);
        Assert.Equal(
        [
            (N(11), MessageType.Unsubscribe, N(1)),
            (N(12), MessageType.Unsubscribe, N(2)),
            (N(13), MessageType.Unsubscribe, NodeId.None),
            (N(14), MessageType.Unsubscribe, NodeId.None),
            (N(1), MessageType.Remove, NodeId.None),
            (N(2), MessageType.Remove, NodeId.None),
        ],
        outputs.Select(o => (o.Peer, o.Message.Type, o.Message.Type == MessageType.Unsubscribe ? o.Message.AsUnsubscribe().Replacement : NodeId.None)).ToArray());
        Assert.All(outputs.Where(o => o.Message.Type == MessageType.Remove), o => Assert.Equal(RemoveArc.SenderToReceiver, o.Message.AsRemove().Arc));
        Assert.Equal(0, node.PartialViewCount);
        Assert.Equal(0, node.InViewCount);
        Assert.Equal(NodeState.Leaving, node.State);

        // Connections close after the linger.
        node.HandleTimeout(ScampOptions.Default.LeaveLinger);
        List<NodeOutput> closes = Drain(node);
        Assert.Equal(6, closes.Count);
        Assert.All(closes, o => Assert.Equal((OutputKind.Close, CloseReason.Leaving), (o.Kind, o.Reason)));
        Assert.Equal(NodeState.Left, node.State);
    }

    [Fact]
    public void Replacement_arc_is_established_at_both_ends_through_the_leaver()
    {
        ScampNode node = Make(Quiet with { RecordRoutes = true });
        GivePartialView(node, N(5));
        node.HandleMessage(N(5), new Unsubscribe(N(5), N(7), default), 0);
        List<NodeOutput> outputs = Drain(node);
        NodeOutput connect = Assert.Single(outputs);
        Assert.Equal((OutputKind.Connect, N(7)), (connect.Kind, connect.Peer));
        Assert.Equal(2, connect.Route.Count);
        Assert.Equal(N(7), connect.Route[0]);
        Assert.Equal(N(5), connect.Route[1]);
        Assert.False(node.IsInPartialView(N(5)));

        node.HandleConnectionUp(N(7), 1);
        NodeOutput accept = Assert.Single(Drain(node));
        Assert.Equal(new Accept(N(0), N(7), SubscribeFlags.Replacement), accept.Message.AsAccept());
        Assert.True(node.IsInPartialView(N(7)));
        Assert.Equal(1, node.Counters.ReplacementsMade);
    }

    [Fact]
    public void Replacement_by_self_or_an_existing_member_is_skipped()
    {
        ScampNode node = Make();
        GivePartialView(node, N(5), N(6), N(8));
        node.HandleMessage(N(5), new Unsubscribe(N(5), N(6), default), 0);
        node.HandleMessage(N(6), new Unsubscribe(N(6), N(0), default), 0);
        Assert.Empty(Drain(node));
        Assert.Equal(2, node.Counters.ReplacementsSkipped);
        Assert.Equal(1, node.PartialViewCount);
    }

    [Fact]
    public void Losing_the_last_out_arc_to_a_leaver_rejoins_at_once_through_a_peer_still_connected()
    {
        ScampNode node = Make(Quiet);
        GivePartialView(node, N(5));
        GiveInView(node, N(6));
        node.HandleMessage(N(5), new Unsubscribe(N(5), NodeId.None, default), 0);
        NodeOutput o = Assert.Single(Drain(node));
        Assert.Equal((OutputKind.Send, N(6)), (o.Kind, o.Peer));
        Subscribe s = o.Message.AsSubscribe();
        Assert.Equal((N(0), SubscribeFlags.None), (s.Subscriber, s.Flags));
        Assert.Equal(1, node.Counters.EmptyViewRejoins);

        // With no InView either, the rejoin goes through the leaver itself, which lingers connected and hands it on.
        ScampNode alone = Make(Quiet);
        GivePartialView(alone, N(5));
        alone.HandleMessage(N(5), new Unsubscribe(N(5), NodeId.None, default), 0);
        NodeOutput viaLeaver = Assert.Single(Drain(alone));
        Assert.Equal(N(5), viaLeaver.Peer);
        Assert.Equal(MessageType.Subscribe, viaLeaver.Message.Type);
    }

    [Fact]
    public void A_node_awaiting_its_contact_never_hands_a_walk_to_a_peer_known_to_be_leaving()
    {
        // The leaver 5 held both arcs; 8 is connected and joining through this node (no arcs yet).
        ScampNode node = Make(Quiet);
        GivePartialView(node, N(5));
        GiveInView(node, N(5));
        Connect(node, N(8));
        node.HandleMessage(N(5), new Unsubscribe(N(5), NodeId.None, default), 0);
        Assert.Equal(N(5), Assert.Single(Drain(node)).Peer); // the rejoin goes through the leaver, which relays it
        node.HandleMessage(N(5), new Remove(RemoveArc.SenderToReceiver), 0);
        Drain(node);

        // Awaiting its contact and without arcs, it would pass 8's walk on toward the overlay; but its one other peer
        // is the leaver, whose one other peer is this node: the two used to bounce the walk until the leaver closed.
        // It becomes 8's contact instead.
        node.HandleMessage(N(8), new Subscribe(N(8), 1, SubscribeFlags.None, default, default), 0);
        List<NodeOutput> outputs = Drain(node);
        Assert.DoesNotContain(outputs, o => o.Peer == N(5));
        Assert.Contains(outputs, o => o.Peer == N(8) && o.Message.Type == MessageType.Accept);
        Assert.Equal(1, node.Counters.ContactsServed);
    }

    [Theory]
    [InlineData(0, 1UL)]
    [InlineData(0, 2UL)]
    [InlineData(1, 1UL)]
    [InlineData(1, 2UL)]
    [InlineData(1, 3UL)]
    public void Two_nodes_left_by_a_leave_and_a_join_at_once_form_an_overlay_in_well_under_the_join_timeout(int leaver, ulong seed)
    {
        // Of a two-node overlay one leaves as a third joins through the other. The remaining node, rejoining and so
        // awaiting a contact, passed the join's walk to the lingering leaver, which passed it back, and so on until
        // the leaver closed: the two live nodes then sat with empty views until the join timeout (60 s). (Leaver 1:
        // that case; leaver 0 is the other order, which always worked.)
        var network = new RtcScamp.Engine.Simulation.SimNetwork(Quiet with { HeartbeatPeriod = 5000 }, seed) { TraceOutputs = false };
        network.AddFirst();
        network.AddAndJoin(0);
        network.RunUntil(10_000);
        network.Leave(leaver);
        network.AddAndJoin(1 - leaver);
        network.RunUntil(12_000);
        foreach (int i in new[] { 1 - leaver, 2 })
        {
            Assert.Equal((1, 1), (network[i].PartialViewCount, network[i].InViewCount));
        }
    }

    [Fact]
    public void Losing_the_last_out_arc_to_a_lease_release_rejoins_at_once()
    {
        ScampNode node = Make(Quiet);
        GivePartialView(node, N(5));
        node.HandleMessage(N(5), new Remove(RemoveArc.ReceiverToSender), 0);
        NodeOutput o = Assert.Single(Drain(node));
        Assert.Equal((N(5), MessageType.Subscribe), (o.Peer, o.Message.Type));
        Assert.Equal(SubscribeFlags.None, o.Message.AsSubscribe().Flags);
    }

    [Fact]
    public void Remove_drops_exactly_the_named_arc()
    {
        ScampNode node = Make();
        GivePartialView(node, N(1));
        GiveInView(node, N(1));
        node.HandleMessage(N(1), new Remove(RemoveArc.SenderToReceiver), 0);
        Assert.True(node.IsInPartialView(N(1)));
        Assert.False(node.IsInInView(N(1)));
        node.HandleMessage(N(1), new Remove(RemoveArc.ReceiverToSender), 0);
        Assert.False(node.IsInPartialView(N(1)));
        node.HandleMessage(N(1), new Remove(RemoveArc.ReceiverToSender), 0);
        Assert.Equal(1, node.Counters.StaleMessages);
    }

    [Fact]
    public void Lease_keeps_in_degree_constant_releasing_one_old_in_arc_per_new_one_and_refusing_extras()
    {
        ScampNode node = Make(Quiet with { Lease = 1000, LeaseOverlap = 400 }, seed: 3);
        GivePartialView(node, N(1));
        GiveInView(node, N(11), N(12));
        long expiry = node.PollTimeout();
        Assert.InRange(expiry, 500, 1500);
        node.HandleTimeout(expiry);
        NodeOutput sub = Assert.Single(Drain(node));
        Assert.Equal((N(1), SubscribeFlags.Lease), (sub.Peer, sub.Message.AsSubscribe().Flags));

        // New keepers arrive: each takes the place of one old in-arc, which is told to drop its arc.
        GiveInViewWithFlags(node, SubscribeFlags.Lease, N(21), out List<NodeOutput> first);
        NodeOutput release = Assert.Single(first, o => o.Kind == OutputKind.Send);
        Assert.Equal(RemoveArc.ReceiverToSender, release.Message.AsRemove().Arc);
        Assert.Equal(2, node.InViewCount);
        GiveInViewWithFlags(node, SubscribeFlags.Lease, N(22), out _);
        Assert.Equal(2, node.InViewCount);
        Assert.True(node.IsInInView(N(21)) && node.IsInInView(N(22)));

        // A third is refused: the in-degree stays 2.
        GiveInViewWithFlags(node, SubscribeFlags.Lease, N(23), out List<NodeOutput> third);
        Assert.Equal((N(23), RemoveArc.ReceiverToSender), (third.Single().Peer, third.Single().Message.AsRemove().Arc));
        Assert.Equal(2, node.InViewCount);
        Assert.Equal(2, node.Counters.LeaseReleases);
        Assert.Equal(1, node.Counters.LeaseRefusals);
    }

    private static void GiveInViewWithFlags(ScampNode node, SubscribeFlags flags, NodeId peer, out List<NodeOutput> outputs)
    {
        Connect(node, peer);
        node.HandleMessage(peer, new Accept(peer, node.Id, flags), 0);
        outputs = Drain(node);
    }
}
