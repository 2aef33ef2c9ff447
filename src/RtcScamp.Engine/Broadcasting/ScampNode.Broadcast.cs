// Bounded epidemic broadcast over the SCAMP PartialView (DESIGN.md "Broadcast").
//
//   app ──Broadcast(payload)──> id = (this, ++sequence), Hops = 1, to every PartialView member
//   peer ──Broadcast(id, h)──> id in DedupRing or origin == this ? drop (counted)
//                              : remember id, Deliver once, and if h < hop limit send (id, h+1) to every
//                                PartialView member except the sender and the origin.
//
// Hops counts the hops a copy has made, so no copy travels more than BroadcastHopLimit hops. The origin does not
// deliver its own broadcast to itself. Every reception is O(1) apart from the forwarding loop, allocation-free.
using System.Buffers;
using RtcScamp.Engine.Broadcasting;
using RtcScamp.Engine.Membership;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine;

public sealed partial class ScampNode
{
    /// <summary>
    /// Broadcasts <paramref name="payload"/> to the overlay and returns its id. The Send outputs alias
    /// <paramref name="payload"/>: keep it unchanged until they are drained.
    /// </summary>
    public MessageId Broadcast(ReadOnlySequence<byte> payload, long now)
    {
        if (_state != NodeState.Member)
        {
            ThrowState("Broadcast needs a running node.");
        }

        if (payload.Length > _options.Limits.MaxPayloadLength)
        {
            ThrowPayloadTooLarge();
        }

        var id = new MessageId(_id, ++_broadcastSequence);
        Remember(id);
        _counters.BroadcastsOriginated++;
        WireMessage message = new Broadcast(id, 1, payload);
        for (int slot = 0; slot < _peers.Count; slot++)
        {
            if (_peers.Has(slot, PeerFlags.PartialView))
            {
                Send(slot, message);
            }
        }

        return id;
    }

    /// <summary>
    /// Remembers <paramref name="id"/>; false if it was already remembered. The ring starts with room for one id and
    /// doubles while it is full and below <see cref="ScampOptions.DedupCapacity"/>; growing keeps every id, so what is
    /// remembered is exactly what a full-size ring would remember.
    /// </summary>
    private bool Remember(in MessageId id)
    {
        DedupRing ring = _dedup ??= new DedupRing(1);
        if (ring.Count == ring.Capacity && ring.Capacity < _options.DedupCapacity && !ring.Contains(id))
        {
            ring = _dedup = ring.Grown(Math.Min(_options.DedupCapacity, 2 * ring.Capacity));
        }

        return ring.TryAdd(id);
    }

    private void OnBroadcast(int slot, in Broadcast broadcast)
    {
        if (broadcast.Payload.Length > _options.Limits.MaxPayloadLength || broadcast.Id.Origin.IsNone)
        {
            Violation(slot);
            return;
        }

        NodeId origin = broadcast.Id.Origin;
        if (_state != NodeState.Member || origin == _id || !Remember(broadcast.Id))
        {
            _counters.BroadcastDuplicates++;
            return;
        }

        _counters.BroadcastsDelivered++;
        _outbox.Add(new NodeOutput(OutputKind.Deliver, origin, broadcast));
        if (broadcast.Hops >= _options.BroadcastHopLimit)
        {
            _counters.BroadcastHopLimitReached++;
            return;
        }

        WireMessage forward = new Broadcast(broadcast.Id, (byte)(broadcast.Hops + 1), broadcast.Payload);
        for (int i = 0; i < _peers.Count; i++)
        {
            if (i != slot && _peers.Has(i, PeerFlags.PartialView) && _peers.IdAt(i) != origin)
            {
                _counters.BroadcastsForwarded++;
                Send(i, forward);
            }
        }
    }
}
