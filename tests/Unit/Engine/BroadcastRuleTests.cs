using System.Buffers;
using RtcScamp.Engine;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;
using Xunit;
using static RtcScamp.Tests.Engine.NodeFixture;

namespace RtcScamp.Tests.Engine;

public class BroadcastRuleTests
{
    private static readonly ReadOnlySequence<byte> Payload = new(new byte[] { 1, 2, 3 });

    [Fact]
    public void New_broadcast_is_delivered_once_and_forwarded_to_the_PartialView_except_sender_and_origin()
    {
        ScampNode node = Make();
        GivePartialView(node, N(1), N(2), N(3), N(4));
        var id = new MessageId(N(4), 7);
        node.HandleMessage(N(1), new Broadcast(id, 3, Payload), 0);
        List<NodeOutput> outputs = Drain(node);
        NodeOutput deliver = outputs[0];
        Assert.Equal((OutputKind.Deliver, N(4)), (deliver.Kind, deliver.Peer));
        Assert.Equal(id, deliver.Message.AsBroadcast().Id);
        Assert.Equal([N(2), N(3)], outputs.Skip(1).Select(o => o.Peer).ToArray());
        Assert.All(outputs.Skip(1), o =>
        {
            Broadcast b = o.Message.AsBroadcast();
            Assert.Equal((id, (byte)4), (b.Id, b.Hops));
            Assert.Equal(Payload.ToArray(), b.Payload.ToArray());
        });

        node.HandleMessage(N(2), new Broadcast(id, 2, Payload), 0);
        Assert.Empty(Drain(node));
        Assert.Equal(1, node.Counters.BroadcastDuplicates);
        Assert.Equal(1, node.Counters.BroadcastsDelivered);
    }

    [Fact]
    public void Broadcast_at_the_hop_limit_is_delivered_but_not_forwarded()
    {
        ScampNode node = Make(Quiet with { BroadcastHopLimit = 5 });
        GivePartialView(node, N(1), N(2));
        node.HandleMessage(N(1), new Broadcast(new MessageId(N(8), 1), 5, Payload), 0);
        Assert.Equal(OutputKind.Deliver, Assert.Single(Drain(node)).Kind);
        Assert.Equal(1, node.Counters.BroadcastHopLimitReached);
    }

    [Fact]
    public void Origin_sends_to_its_whole_PartialView_with_one_hop_and_ignores_its_own_echo()
    {
        ScampNode node = Make();
        GivePartialView(node, N(1), N(2));
        MessageId id = node.Broadcast(Payload, 0);
        Assert.Equal(new MessageId(N(0), 1), id);
        List<NodeOutput> outputs = Drain(node);
        Assert.Equal([N(1), N(2)], outputs.Select(o => o.Peer).ToArray());
        Assert.All(outputs, o => Assert.Equal(1, o.Message.AsBroadcast().Hops));
        node.HandleMessage(N(1), new Broadcast(id, 2, Payload), 0);
        Assert.Empty(Drain(node));
        Assert.Equal(new MessageId(N(0), 2), node.Broadcast(Payload, 0));
    }

    [Fact]
    public void Dedup_ring_is_allocated_lazily_with_the_configured_capacity()
    {
        ScampNode node = Make(Quiet with { DedupCapacity = 8 });
        GivePartialView(node, N(1));
        Assert.Equal(0, node.DedupAllocatedCapacity);
        for (ulong i = 0; i < 20; i++)
        {
            node.HandleMessage(N(1), new Broadcast(new MessageId(N(5), i), 1, Payload), 0);
        }

        Drain(node);
        Assert.Equal(8, node.DedupAllocatedCapacity);
        Assert.Equal(8, node.DedupCount);
    }

    [Fact]
    public void Handling_a_broadcast_allocates_nothing_once_warm()
    {
        ScampNode node = Make(Quiet with { DedupCapacity = 64 });
        GivePartialView(node, N(1), N(2), N(3));
        for (ulong i = 0; i < 200; i++)
        {
            node.HandleMessage(N(1), new Broadcast(new MessageId(N(5), i), 1, Payload), 0);
            while (node.TryPollOutput(out _))
            {
            }
        }

        ulong next = 200;
        long allocated = AllocationProbe.MinAllocatedBytes(() =>
        {
            for (int i = 0; i < 3_000; i++, next++)
            {
                node.HandleMessage(N(1), new Broadcast(new MessageId(N(5), next), 1, Payload), 0);
                while (node.TryPollOutput(out _))
                {
                }
            }
        });

        Assert.Equal(0, allocated);
    }
}
