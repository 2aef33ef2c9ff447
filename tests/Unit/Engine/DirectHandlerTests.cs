using System.Buffers;
using RtcScamp.Engine;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;
using Xunit;
using static RtcScamp.Tests.Engine.NodeFixture;

namespace RtcScamp.Tests.Engine;

/// <summary>
/// The simulator hands walk steps and forwarded copies to a node through HandleSubscribeCompactAt /
/// HandleForwardedCompactAt instead of HandleMessage, and sends the message on itself to the slot they return, and
/// broadcast copies through HandleBroadcastAt: the two paths must be indistinguishable (outputs, views, counters,
/// later randomness).
/// </summary>
public class DirectHandlerTests
{
    private static readonly WireLimits s_limits = WireLimits.Default with { MaxRoute = WireLimits.MaxRouteLength };

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(7UL)]
    [InlineData(1234UL)]
    public void Direct_handlers_act_exactly_as_HandleMessage(ulong seed)
    {
        ScampNode viaMessage = Prepare(seed);
        ScampNode direct = Prepare(seed);
        var random = new Random((int)seed);
        int handedOn = 0;
        for (int step = 0; step < 400; step++)
        {
            // Senders include unknown nodes (slot -1); subscribers include view members, strangers and the node itself.
            NodeId from = N(random.Next(1, 14));
            NodeId subscriber = random.Next(10) == 0 ? viaMessage.Id : N(random.Next(1, 40));
            NodeOutput? sentOn;
            if (step == 300)
            {
                // The last hundred inputs meet a leaving node, which hands walks and copies on to any connected peer
                // (first the senders whose connections were closed for bad input are connected again).
                for (int i = 1; i < 14; i++)
                {
                    viaMessage.HandleConnectionUp(N(i), step);
                    direct.HandleConnectionUp(N(i), step);
                    Assert.Equal(Describe(Drain(viaMessage)), Describe(Drain(direct)));
                }

                viaMessage.Leave(step);
                direct.Leave(step);
                Assert.Equal(Describe(Drain(viaMessage)), Describe(Drain(direct)));
            }

            int kind = random.Next(5);
            if (kind == 4)
            {
                // Broadcasts: new ones, duplicates, this node's own, and copies at the hop limit.
                NodeId origin = random.Next(10) == 0 ? viaMessage.Id : N(random.Next(1, 40));
                var broadcast = new Broadcast(new MessageId(origin, (ulong)random.Next(1, 6)), (byte)random.Next(1, 12), default);
                viaMessage.HandleMessage(from, broadcast, step);
                direct.HandleBroadcastAt(direct.SlotOf(from), broadcast);
                sentOn = null;
            }
            else if (kind < 2)
            {
                var flags = (SubscribeFlags)random.Next(8); // carried into a kept copy's Accept
                var copy = new ForwardedSubscription(subscriber, (byte)(random.Next(20) == 0 ? 255 : random.Next(0, 10)), flags, default, default);
                viaMessage.HandleMessage(from, copy, step);
                int target = direct.HandleForwardedCompactAt(direct.SlotOf(from), copy.Subscriber, copy.Hops, copy.Flags, step);
                sentOn = target < 0 ? null : new NodeOutput(OutputKind.Send, direct.PeerAt(target), copy with { Hops = (byte)(copy.Hops + 1) }, peerSlot: target);
            }
            else
            {
                double budget = random.Next(8) switch
                {
                    0 => 0,
                    1 => double.Epsilon,
                    2 => 2000,
                    _ => random.NextDouble() * 2,
                };
                var walk = new Subscribe(subscriber, budget, random.Next(4) == 0 ? SubscribeFlags.Lease : SubscribeFlags.None, default, default);
                viaMessage.HandleMessage(from, walk, step);
                int next = direct.HandleSubscribeCompactAt(direct.SlotOf(from), walk, out double nextBudget);
                sentOn = next < 0 ? null : new NodeOutput(OutputKind.Send, direct.PeerAt(next), walk with { Budget = nextBudget }, peerSlot: next);
            }

            // A message routed on is the node's only output then (nothing else changes in that input).
            List<NodeOutput> directOutputs = Drain(direct);
            if (sentOn is { } sent)
            {
                Assert.Empty(directOutputs);
                directOutputs.Add(sent);
                handedOn += step > 300 ? 1 : 0;
            }

            Assert.Equal(Describe(Drain(viaMessage)), Describe(directOutputs));
            Assert.Equal(viaMessage.PartialViewCount, direct.PartialViewCount);
            Assert.Equal(viaMessage.InViewCount, direct.InViewCount);
            Assert.Equal(viaMessage.Counters, direct.Counters);
            if (random.Next(50) == 0 && step < 300)
            {
                // Connections come up for pending arcs, so later inputs meet both kinds of peers.
                NodeId peer = N(random.Next(14, 40));
                viaMessage.HandleConnectionUp(peer, step);
                direct.HandleConnectionUp(peer, step);
                Assert.Equal(Describe(Drain(viaMessage)), Describe(Drain(direct)));
            }
        }

        Assert.True(viaMessage.Counters.SubscriptionsForwarded > 0 && viaMessage.Counters.WalkSteps > 0);
        Assert.True(viaMessage.Counters.SubscriptionsKept > 0 && viaMessage.Counters.ContactsServed > 0);
        Assert.True(handedOn > 0, $"handed on {handedOn}");
        Assert.True(viaMessage.Counters.BroadcastsForwarded > 0 && viaMessage.Counters.BroadcastDuplicates > 0);
    }

    private static ScampNode Prepare(ulong seed)
    {
        ScampNode node = Make(seed: seed);
        GivePartialView(node, N(1), N(2), N(3), N(4), N(5), N(6));
        GiveInView(node, N(7), N(8), N(9), N(10));
        Connect(node, N(11));
        return node;
    }

    private static List<string> Describe(List<NodeOutput> outputs)
    {
        var described = new List<string>();
        var bytes = new ArrayBufferWriter<byte>();
        foreach (NodeOutput o in outputs)
        {
            bytes.ResetWrittenCount();
            if (o.Kind is OutputKind.Send or OutputKind.Deliver)
            {
                MessageCodec.Write(bytes, o.Message, s_limits);
            }

            described.Add($"{o} {o.Peer} {o.Reason} {o.Change} {Convert.ToHexString(bytes.WrittenSpan)}"); // the whole peer id
        }

        return described;
    }
}
