// Relayed signaling (DESIGN.md §7): a keeper that has no connection to a subscriber sends its WebRTC offer back
// along the path the subscription travelled; every node on the path relays it one hop. Relays keep no state: the
// message carries its whole source route (capped by WireLimits.MaxRoute) and the index of the receiving hop.
//
//   Signal(source, target, kind, hop, route[0..n-1], payload), route[0] = source, route[n-1] = target,
//   received by route[hop] from route[hop-1]; relayed to route[hop+1] with hop+1.
//   Next hop not connected: an Unreachable signal goes back to the source over the reversed prefix.
using System.Buffers;
using RtcScamp.Engine.Membership;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine;

public sealed partial class ScampNode
{
    /// <summary>
    /// Sends a signaling payload along <paramref name="route"/> (route[0] must be this node, the last entry the
    /// target, at least two entries). Returns false if the first hop is not connected. The output aliases
    /// <paramref name="route"/> and <paramref name="payload"/>: keep them until drained.
    /// </summary>
    public bool SendSignal(SignalKind kind, NodeRoute route, ReadOnlySequence<byte> payload, long now)
    {
        if (route.Count < 2 || route.Count > _options.Limits.MaxRoute || route[0] != _id)
        {
            throw new ArgumentException("A signal route starts at this node, ends at the target and has 2..MaxRoute entries.", nameof(route));
        }

        if (payload.Length > _options.Limits.MaxPayloadLength)
        {
            ThrowPayloadTooLarge();
        }

        int slot = _peers.Find(route[1]);
        if (slot < 0 || !_peers[slot].Has(PeerFlags.Connected))
        {
            return false;
        }

        Send(slot, new Signal(_id, route[route.Count - 1], kind, 1, route, payload));
        return true;
    }

    private void OnSignal(int slot, in WireMessage message)
    {
        Signal signal = message.AsSignal();
        NodeRoute route = signal.Route;
        int hop = signal.Hop;
        int n = route.Count;
        if (n < 2 || n > _options.Limits.MaxRoute || hop < 1 || hop >= n || signal.Payload.Length > _options.Limits.MaxPayloadLength
            || route[hop] != _id || route[hop - 1] != _peers.IdAt(slot) || route[0] != signal.Source || route[n - 1] != signal.Target)
        {
            Violation(slot);
            return;
        }

        if (hop == n - 1)
        {
            _outbox.Add(new NodeOutput(OutputKind.SignalArrived, _peers.IdAt(slot), message));
            return;
        }

        int next = _peers.Find(route[hop + 1]);
        if (next >= 0 && _peers[next].Has(PeerFlags.Connected))
        {
            _counters.SignalsRelayed++;
            Send(next, new Signal(signal.Source, signal.Target, signal.Kind, (byte)(hop + 1), route, signal.Payload));
            return;
        }

        _counters.SignalsUnreachable++;
        if (signal.Kind == SignalKind.Unreachable)
        {
            return;
        }

        // Back to the source: route[hop], route[hop-1], ..., route[0].
        Memory<byte> back = _outbox.Rent((hop + 1) * NodeId.Size);
        for (int i = 0; i <= hop; i++)
        {
            route[hop - i].Write(back.Span[(i * NodeId.Size)..]);
        }

        Send(slot, new Signal(_id, signal.Source, SignalKind.Unreachable, 1, new NodeRoute(new ReadOnlySequence<byte>(back)), default));
    }
}
