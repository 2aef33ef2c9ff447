// SCAMP membership (Ganesh, Kermarrec, Massoulié, IEEE ToC 52(2), 2003; DESIGN.md "SCAMP, precisely").
//
//  s ──Subscribe(budget)──> f ──walk: budget -= 1/deg, next hop uniform over PartialView ∪ InView──> contact
//  contact: ForwardedSubscription to every PartialView member + c random extra copies (empty view: keep s)
//           and, for a first join, the arc s→contact (Accept(s, contact) tells s)
//  j, on a copy: keep with p = 1/(1+|PartialView(j)|) if j ≠ s and s ∉ PartialView(j), else pass to a random
//           PartialView member; the copy dies only by the hop limit or the per-node seen count.
//  keep: connect to s if needed (route = path travelled, contact blob), then PartialView(j) += s and
//        Accept(j, s) makes s add j to its InView: both ends know every arc.
//
// Accept(Keeper=a, Subscriber=b) always means "the arc a→b now exists"; the receiver is one of its ends.
// Leases (the RtcScamp design, docs/engine.md): on expiry the node marks its in-arcs old and resubscribes; during
// the lease window each new in-arc releases one old in-arc (Remove), and new in-arcs beyond the old count are refused.
// The in-degree is therefore constant through a lease (no growth toward a complete graph) and never drops to zero.
using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using RtcScamp.Engine.Membership;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine;

public sealed partial class ScampNode
{
    /// <summary>
    /// Leaves gracefully (paper §4.2, with replacement arcs established at both ends): with PartialView i(0..ℓ−1) and
    /// InView j(0..ℓ′−1) in table order, j(k) for k &lt; ℓ′−c−1 is told to replace this node by i(k mod ℓ); the last
    /// c+1 just drop it; every i(k) drops this node from its InView. Connections stay open for
    /// <see cref="ScampOptions.LeaveLinger"/>, then close.
    /// </summary>
    public void Leave(long now)
    {
        if (_state != NodeState.Member)
        {
            ThrowState("Leave needs a running node.");
        }

        int l = _pvCount;
        int replaced = Math.Max(0, _ivCount - _options.C - 1);
        NodeId[]? partialView = l > 0 ? new NodeId[l] : null;
        if (partialView is not null)
        {
            CopyPartialView(partialView);
        }

        int k = 0;
        for (int slot = 0; slot < _peers.Count; slot++)
        {
            if (!_peers[slot].Has(PeerFlags.InView))
            {
                continue;
            }

            NodeId replacement = k < replaced && partialView is not null ? partialView[k % l] : NodeId.None;
            Send(slot, new Unsubscribe(_id, replacement, default));
            k++;
        }

        for (int slot = 0; slot < _peers.Count; slot++)
        {
            if (_peers[slot].Has(PeerFlags.PartialView))
            {
                Send(slot, new Remove(RemoveArc.SenderToReceiver));
            }
        }

        for (int slot = _peers.Count - 1; slot >= 0; slot--)
        {
            ref Peer p = ref _peers[slot];
            if (p.Has(PeerFlags.PartialView))
            {
                RemovePartialView(slot);
            }

            if (p.Has(PeerFlags.InView))
            {
                RemoveInView(slot);
            }

            if (p.Has(PeerFlags.Connecting))
            {
                Close(slot, CloseReason.Leaving);
            }
            else
            {
                p.Flags &= ~(PeerFlags.PendingOut | PeerFlags.PendingIn);
            }
        }

        _state = NodeState.Leaving;
        _leaseDeadline = long.MaxValue;
        _leaseWindowEnd = long.MaxValue;
        _leaveDeadline = now + _options.LeaveLinger;
    }

    private void FinishLeave()
    {
        for (int slot = _peers.Count - 1; slot >= 0; slot--)
        {
            Close(slot, CloseReason.Leaving);
        }

        _state = NodeState.Left;
        _nextTick = long.MaxValue;
        _leaveDeadline = long.MaxValue;
    }

    private void SendSubscribe(int slot, SubscribeFlags flags, long now)
    {
        if (flags == SubscribeFlags.None)
        {
            _awaitingContact = true;
            _joinDeadline = now + _options.JoinTimeout;
        }

        ReadOnlySequence<byte> route = default;
        if (_options.RecordRoutes)
        {
            Memory<byte> bytes = _outbox.Rent(NodeId.Size);
            _id.Write(bytes.Span);
            route = new ReadOnlySequence<byte>(bytes);
        }

        Send(slot, new Subscribe(_id, _options.WalkBudget, flags, AsSequence(LocalContact), new NodeRoute(route)));
    }

    /// <summary>
    /// A peer took this node's last out-arc (a leaver among whose last c+1 in-neighbours it was, or a lease release):
    /// rejoin now, while the peer that did it still lingers connected, instead of after k·H of an empty view, when
    /// the node may have no connection left to rejoin through. A replacement arc still connecting counts as a view
    /// (if it fails, the empty-view rule in <see cref="Tick"/> rejoins).
    /// </summary>
    private void RejoinIfViewEmptied(long now)
    {
        if (_pvCount != 0 || _state != NodeState.Member || _awaitingContact)
        {
            return;
        }

        for (int slot = 0; slot < _peers.Count; slot++)
        {
            if (_peers[slot].Has(PeerFlags.PendingOut))
            {
                return;
            }
        }

        RejoinWithEmptyView(now);
    }

    /// <summary>With no out-arc left, a resubscription is a rejoin (a <c>None</c> subscription that also makes the contact arc).</summary>
    private void RejoinWithEmptyView(long now)
    {
        _emptyViewTicks = 0;
        _isolatedTicks = 0;
        _counters.EmptyViewRejoins++;
        Resubscribe(SubscribeFlags.None, now);
    }

    /// <summary>Resubscribes through a random PartialView member (else an InView member, else any connected peer).</summary>
    private void Resubscribe(SubscribeFlags flags, long now)
    {
        int slot = RandomSlotWith(PeerFlags.PartialView, _pvCount);
        if (slot < 0)
        {
            slot = RandomSlotWith(PeerFlags.InView, _ivCount);
        }

        if (slot < 0)
        {
            int connected = 0;
            for (int i = 0; i < _peers.Count; i++)
            {
                connected += _peers[i].Has(PeerFlags.Connected) ? 1 : 0;
            }

            slot = RandomSlotWith(PeerFlags.Connected, connected);
        }

        if (slot < 0)
        {
            return;
        }

        // With no out-arc left a resubscription is a rejoin: it also asks for the arc to the contact.
        SendSubscribe(slot, _pvCount == 0 ? SubscribeFlags.None : flags, now);
    }

    private void OnHello(int slot, in Hello hello)
    {
        ref Peer p = ref _peers[slot];
        if (hello.Node != _peers.IdAt(slot))
        {
            _counters.ProtocolViolations++;
            Close(slot, CloseReason.IdentityMismatch);
        }
        else if (hello.Version != Hello.CurrentVersion)
        {
            _counters.ProtocolViolations++;
            Close(slot, CloseReason.VersionMismatch);
        }
        else
        {
            p.Flags |= PeerFlags.HelloReceived;
        }
    }

    private void OnSubscribe(int slot, in Subscribe subscribe)
    {
        int next = StepWalk(slot, subscribe, out double budget);
        if (next >= 0)
        {
            NodeId s = subscribe.Subscriber;
            Send(next, new Subscribe(s, budget, subscribe.Flags, subscribe.Contact, AppendRoute(subscribe.Route, s)));
        }
    }

    /// <summary>
    /// The walk step's rules (<see cref="OnSubscribe"/>): everything but the send. Returns the slot the walk goes on
    /// to, with its <paramref name="nextBudget"/>, or -1 if it ended here (this node became the contact) or was dropped.
    /// </summary>
    private int StepWalk(int slot, in Subscribe subscribe, out double nextBudget)
    {
        nextBudget = 0;
        NodeId s = subscribe.Subscriber;
        double budget = subscribe.Budget;
        if (s.IsNone || s == _id || !(budget > 0 && budget <= 1000) || subscribe.Route.Count > _options.Limits.MaxRoute)
        {
            Violation(slot);
            return -1;
        }

        int subscriberSlot = _peers.Find(s);
        if (_state != NodeState.Member)
        {
            // A leaving node has no arcs left but its connections linger: hand the walk on rather than lose it.
            int handOff = RandomConnectedSlot(subscriberSlot);
            if (handOff < 0)
            {
                _counters.StaleMessages++;
                return -1;
            }

            nextBudget = budget;
            return handOff;
        }

        _counters.WalkSteps++;
        bool subscriberIsArcPeer = subscriberSlot >= 0 && _peers.Has(subscriberSlot, PeerFlags.PartialView | PeerFlags.InView);
        int degree = _arcPeers - (subscriberIsArcPeer ? 1 : 0);
        if (degree == 0 && _awaitingContact)
        {
            // Still joining and without arcs: this node is not in the overlay yet, so it must not become a contact
            // (that would start a separate overlay). Pass the walk toward the node it is joining through, but not to a
            // peer known to be leaving: with no peer but the subscriber, that leaver can only pass it back (the two
            // kept a join's walk in flight until the leaver closed); with no one else, become the contact after all.
            int handOff = RandomConnectedSlot(subscriberSlot, leavers: false);
            if (handOff >= 0)
            {
                nextBudget = budget;
                return handOff;
            }
        }

        budget = degree > 0 ? budget - (1.0 / degree) : 0;
        if (budget <= 0)
        {
            if (_pvCount > 0 || degree == 0 || subscribe.Budget <= double.Epsilon)
            {
                BecomeContact(s, subscribe.Flags, subscribe.Contact, subscribe.Route);
                return -1;
            }

            // A node with an empty PartialView (itself still joining) cannot fan out: the walk takes one more step,
            // with the smallest budget so that the next node ends it.
            budget = double.Epsilon;
        }

        nextBudget = budget;
        int next = RandomWalkSlot(subscriberIsArcPeer ? subscriberSlot : -1, degree);
        Debug.Assert(next >= 0, "degree counts the arc peers other than the subscriber");
        return next;
    }

    /// <summary>
    /// A uniformly chosen connected slot other than <paramref name="excluded"/> (and, without <paramref name="leavers"/>,
    /// not one known to be leaving), or -1.
    /// </summary>
    private int RandomConnectedSlot(int excluded, bool leavers = true)
    {
        PeerFlags skip = leavers ? PeerFlags.None : PeerFlags.Leaving;
        int count = 0;
        for (int i = 0; i < _peers.Count; i++)
        {
            count += i != excluded && _peers[i].Has(PeerFlags.Connected) && !_peers[i].Has(skip) ? 1 : 0;
        }

        if (count == 0)
        {
            return -1;
        }

        int k = _random.NextInt(count);
        for (int i = 0; i < _peers.Count; i++)
        {
            if (i != excluded && _peers[i].Has(PeerFlags.Connected) && !_peers[i].Has(skip) && k-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A slot uniform over PartialView ∪ InView, excluding <paramref name="excluded"/>.</summary>
    private int RandomWalkSlot(int excluded, int degree)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            int slot = _random.NextInt(_peers.Count);
            if (slot != excluded && _peers.Has(slot, PeerFlags.PartialView | PeerFlags.InView))
            {
                return slot;
            }
        }

        int k = _random.NextInt(degree);
        for (int i = 0; i < _peers.Count; i++)
        {
            if (i != excluded && _peers.Has(i, PeerFlags.PartialView | PeerFlags.InView) && k-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private void BecomeContact(NodeId s, SubscribeFlags flags, ReadOnlySequence<byte> contact, NodeRoute route)
    {
        _counters.ContactsServed++;
        NodeRoute forwardedRoute = AppendRoute(route, s);
        var copy = new ForwardedSubscription(s, 0, flags, contact, forwardedRoute);
        WireMessage message = copy;
        for (int slot = 0; slot < _peers.Count; slot++)
        {
            if (_peers.Has(slot, PeerFlags.PartialView))
            {
                Send(slot, message);
            }
        }

        if (_pvCount > 0)
        {
            for (int i = 0; i < _options.C; i++)
            {
                Send(RandomSlotWith(PeerFlags.PartialView, _pvCount), message);
            }
        }
        else
        {
            _counters.SubscriptionsKept++;
            MakeOutArc(s, flags, contact, route);
        }

        if ((flags & (SubscribeFlags.Lease | SubscribeFlags.Isolated)) == 0)
        {
            MakeInArc(s, contact, route);
        }
    }

    // Out of line like the other handlers: inlined, its struct locals with references (the copy sent on, the arc's
    // contact and route) made HandleMessageAt zero ~0.9 KB of stack for every message, a heartbeat's too.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnForwardedSubscription(int slot, in ForwardedSubscription copy, long now)
    {
        NodeId s = copy.Subscriber;
        int target = RouteCopy(slot, s, copy.Hops, copy.Route.Count, now);
        if (target == KeepCopy)
        {
            _counters.SubscriptionsKept++;
            MakeOutArc(s, copy.Flags, copy.Contact, copy.Route);
        }
        else if (target >= 0)
        {
            Send(target, new ForwardedSubscription(s, (byte)(copy.Hops + 1), copy.Flags, copy.Contact, AppendRoute(copy.Route, s)));
        }
    }

    /// <summary>What <see cref="RouteCopy"/> returns for a copy this node keeps (the caller makes the arc).</summary>
    private const int KeepCopy = -2;

    /// <summary>
    /// A copy's rules (<see cref="OnForwardedSubscription"/>) on its fixed fields: everything but the keep's arc and the
    /// send. Returns the slot the copy goes on to (one hop more), <see cref="KeepCopy"/> if this node keeps it, or -1
    /// if it was lost or refused here. (The message's fields come one by one, not as a struct with byte fields, which
    /// a caller would have to build and zero.)
    /// </summary>
    private int RouteCopy(int slot, NodeId s, byte hops, int routeLength, long now)
    {
        if (s.IsNone || routeLength > _options.Limits.MaxRoute)
        {
            Violation(slot);
            return -1;
        }

        if (hops >= _options.SubscriptionHopLimit)
        {
            _counters.CopiesLostHopLimit++;
            return -1;
        }

        if (_state != NodeState.Member)
        {
            // Leaving: pass the copy to any peer still connected rather than destroy it.
            int handOff = RandomConnectedSlot(_peers.Find(s));
            if (handOff >= 0)
            {
                _counters.SubscriptionsForwarded++;
            }
            else
            {
                _counters.CopiesLostNoView++;
            }

            return handOff;
        }

        if (_seen.Increment(s, now, _options.SeenWindow) > _options.SeenLimit)
        {
            _counters.CopiesLostSeenLimit++;
            return -1;
        }

        bool eligible = s != _id && !HasOutArcOrPending(s);
        if (eligible && _random.NextInt(_pvCount + 1) == 0)
        {
            return KeepCopy;
        }

        if (_pvCount == 0)
        {
            _counters.CopiesLostNoView++;
            return -1;
        }

        _counters.SubscriptionsForwarded++;
        int target = RandomSlotWith(PeerFlags.PartialView, _pvCount);
        Debug.Assert(target >= 0, "_pvCount counts the PartialView flags");
        return target;
    }

    private bool HasOutArcOrPending(NodeId peer)
    {
        int slot = _peers.Find(peer);
        return slot >= 0 && _peers[slot].Has(PeerFlags.PartialView | PeerFlags.PendingOut);
    }

    /// <summary>Makes the arc this→<paramref name="target"/>: now if connected, else once the connection is up.</summary>
    private void MakeOutArc(NodeId target, SubscribeFlags flags, ReadOnlySequence<byte> contact, NodeRoute route)
    {
        int slot = FindOrConnect(target, contact, route);
        if (slot < 0)
        {
            return;
        }

        ref Peer p = ref _peers[slot];
        if (p.Has(PeerFlags.Connected))
        {
            if (!p.Has(PeerFlags.PartialView))
            {
                AddPartialView(slot);
            }

            Send(slot, new Accept(_id, target, flags));
        }
        else
        {
            p.Flags |= PeerFlags.PendingOut;
            p.PendingFlags = flags;
        }
    }

    /// <summary>Makes the arc <paramref name="source"/>→this (a joining node's arc to its contact).</summary>
    private void MakeInArc(NodeId source, ReadOnlySequence<byte> contact, NodeRoute route)
    {
        int slot = FindOrConnect(source, contact, route);
        if (slot < 0)
        {
            return;
        }

        ref Peer p = ref _peers[slot];
        if (p.Has(PeerFlags.Connected))
        {
            if (!p.Has(PeerFlags.InView))
            {
                AddInView(slot);
            }

            Send(slot, new Accept(source, _id, SubscribeFlags.None));
        }
        else
        {
            p.Flags |= PeerFlags.PendingIn;
        }
    }

    private int FindOrConnect(NodeId target, ReadOnlySequence<byte> contact, NodeRoute route)
    {
        int slot = _peers.Find(target);
        if (slot >= 0)
        {
            return slot;
        }

        if (_peers.Count >= _options.MaxPeers)
        {
            _counters.ViewFull++;
            return -1;
        }

        slot = _peers.Add(target);
        _peers[slot].Flags = PeerFlags.Connecting;
        _outbox.Add(new NodeOutput(OutputKind.Connect, target, route: route, contact: contact));
        return slot;
    }

    private void CompletePendingArcs(int slot)
    {
        ref Peer p = ref _peers[slot];
        NodeId peer = _peers.IdAt(slot);
        if (p.Has(PeerFlags.PendingOut))
        {
            p.Flags &= ~PeerFlags.PendingOut;
            if (!p.Has(PeerFlags.PartialView))
            {
                AddPartialView(slot);
            }

            Send(slot, new Accept(_id, peer, p.PendingFlags));
        }

        if (_peers[slot].Has(PeerFlags.PendingIn))
        {
            _peers[slot].Flags &= ~PeerFlags.PendingIn;
            if (!_peers[slot].Has(PeerFlags.InView))
            {
                AddInView(slot);
            }

            Send(slot, new Accept(peer, _id, SubscribeFlags.None));
        }
    }

    private void OnAccept(int slot, in Accept accept)
    {
        NodeId from = _peers.IdAt(slot);
        if (accept.Keeper == from && accept.Subscriber == _id)
        {
            OnInArcAccepted(slot, accept.Flags);
        }
        else if (accept.Keeper == _id && accept.Subscriber == from)
        {
            // The contact made the arc this→contact.
            if (_state != NodeState.Member || !_awaitingContact)
            {
                // A repeated Accept for an arc we have is harmless; any other is refused so the contact drops it.
                _counters.StaleMessages++;
                if (!_peers[slot].Has(PeerFlags.PartialView))
                {
                    Send(slot, new Remove(RemoveArc.SenderToReceiver));
                }

                return;
            }

            _awaitingContact = false;
            if (!_peers[slot].Has(PeerFlags.PartialView))
            {
                AddPartialView(slot);
            }
        }
        else
        {
            Violation(slot);
        }
    }

    private void OnInArcAccepted(int slot, SubscribeFlags flags)
    {
        if (_state != NodeState.Member)
        {
            _counters.StaleMessages++;
            Send(slot, new Remove(RemoveArc.ReceiverToSender));
            return;
        }

        if (_peers[slot].Has(PeerFlags.InView))
        {
            _counters.StaleMessages++;
            return;
        }

        if ((flags & SubscribeFlags.Lease) != 0)
        {
            if (_leaseOld == 0)
            {
                // Every old in-arc was already replaced: taking more would grow the graph. Refuse.
                _counters.LeaseRefusals++;
                Send(slot, new Remove(RemoveArc.ReceiverToSender));
                return;
            }

            AddInView(slot);
            ReleaseOneOldInArc();
            return;
        }

        AddInView(slot);
    }

    private void ReleaseOneOldInArc()
    {
        int k = _random.NextInt(_leaseOld);
        for (int i = 0; i < _peers.Count; i++)
        {
            if (_peers[i].Has(PeerFlags.OldInView) && k-- == 0)
            {
                _counters.LeaseReleases++;
                RemoveInView(i);
                Send(i, new Remove(RemoveArc.ReceiverToSender));
                return;
            }
        }
    }

    private void OnRemove(int slot, in Remove remove)
    {
        PeerFlags arc = remove.Arc switch
        {
            RemoveArc.SenderToReceiver => PeerFlags.InView,
            RemoveArc.ReceiverToSender => PeerFlags.PartialView,
            _ => PeerFlags.None,
        };
        if (arc == PeerFlags.None)
        {
            Violation(slot);
        }
        else if (!_peers[slot].Has(arc))
        {
            _counters.StaleMessages++;
        }
        else if (arc == PeerFlags.InView)
        {
            RemoveInView(slot);
        }
        else
        {
            RemovePartialView(slot);
        }
    }

    private void OnUnsubscribe(int slot, in Unsubscribe unsubscribe)
    {
        NodeId leaver = _peers.IdAt(slot);
        if (unsubscribe.Leaver != leaver || unsubscribe.Replacement == leaver)
        {
            Violation(slot);
            return;
        }

        _peers[slot].Flags |= PeerFlags.Leaving;

        if (!_peers[slot].Has(PeerFlags.PartialView))
        {
            _counters.StaleMessages++;
            return;
        }

        RemovePartialView(slot);
        NodeId replacement = unsubscribe.Replacement;
        if (replacement.IsNone || _state != NodeState.Member)
        {
            return;
        }

        if (replacement == _id || HasOutArcOrPending(replacement))
        {
            _counters.ReplacementsSkipped++;
            return;
        }

        _counters.ReplacementsMade++;
        NodeRoute route = _options.RecordRoutes ? new NodeRoute(_outbox.BuildRoute(replacement, leaver)) : default;
        MakeOutArc(replacement, SubscribeFlags.Replacement, unsubscribe.ReplacementContact, route);
    }

    /// <summary>
    /// The route a copy carries on from here: the received path plus this node, with a loop through this node cut
    /// out, shortened to [s, this] when this node is connected to s, and dropped (counted) past the route cap.
    /// A dropped route stays dropped until a node connected to s restores it.
    /// </summary>
    private NodeRoute AppendRoute(NodeRoute route, NodeId subscriber)
    {
        if (!_options.RecordRoutes)
        {
            return default;
        }

        int slot = _peers.Find(subscriber);
        if (slot >= 0 && _peers[slot].Has(PeerFlags.Connected))
        {
            return new NodeRoute(_outbox.BuildRoute(subscriber, _id));
        }

        int n = route.Count;
        if (n == 0 || route[0] != subscriber)
        {
            return default;
        }

        int self = IndexOf(route, _id);
        if (self > 0)
        {
            return new NodeRoute(route.Bytes.Slice(0, (self + 1) * NodeId.Size));
        }

        if (n + 1 > _options.Limits.MaxRoute)
        {
            _counters.RouteOverflows++;
            return default;
        }

        return new NodeRoute(_outbox.BuildRoute(route.Bytes, _id));
    }

    private static int IndexOf(NodeRoute route, NodeId id)
    {
        ReadOnlySequence<byte> bytes = route.Bytes;
        if (bytes.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = bytes.FirstSpan;
            Span<byte> wanted = stackalloc byte[NodeId.Size];
            id.Write(wanted);
            for (int i = 0, offset = 0; offset < span.Length; i++, offset += NodeId.Size)
            {
                if (span.Slice(offset, NodeId.Size).SequenceEqual(wanted))
                {
                    return i;
                }
            }

            return -1;
        }

        for (int i = 0; i < route.Count; i++)
        {
            if (route[i] == id)
            {
                return i;
            }
        }

        return -1;
    }

    private void ArmLease(long now)
    {
        _leaseDeadline = _options.Lease > 0
            ? now + (_options.Lease / 2) + (long)(_random.NextDouble() * _options.Lease)
            : long.MaxValue;
    }

    private void OnLeaseExpired(long now)
    {
        EndLeaseWindow();
        ArmLease(now);
        if (_peers.Count == 0)
        {
            return;
        }

        _counters.LeaseResubscriptions++;
        if (_ivCount == 0)
        {
            Resubscribe(SubscribeFlags.Isolated, now);
            return;
        }

        for (int i = 0; i < _peers.Count; i++)
        {
            ref Peer p = ref _peers[i];
            if (p.Has(PeerFlags.InView))
            {
                p.Flags |= PeerFlags.OldInView;
            }
        }

        _leaseOld = _ivCount;
        _leaseWindowEnd = now + _options.LeaseOverlap;
        Resubscribe(SubscribeFlags.Lease, now);
    }

    /// <summary>Old in-arcs not replaced during the lease window are kept.</summary>
    private void EndLeaseWindow()
    {
        _leaseWindowEnd = long.MaxValue;
        if (_leaseOld == 0)
        {
            return;
        }

        for (int i = 0; i < _peers.Count; i++)
        {
            _peers[i].Flags &= ~PeerFlags.OldInView;
        }

        _leaseOld = 0;
    }

    /// <summary>Every half heartbeat period: heartbeats, liveness, idle connections, isolation.</summary>
    private void Tick(long now)
    {
        bool leaving = _state == NodeState.Leaving;
        for (int slot = _peers.Count - 1; slot >= 0; slot--)
        {
            ref Peer p = ref _peers[slot];
            if (p.Has(PeerFlags.Connected))
            {
                if (p.SilentTicks < byte.MaxValue)
                {
                    p.SilentTicks++;
                }

                if (p.SilentTicks > _livenessTicks)
                {
                    _counters.LivenessKills++;
                    Close(slot, CloseReason.LivenessTimeout);
                    continue;
                }

                if (!p.Has(PeerFlags.SentThisTick))
                {
                    _counters.HeartbeatsSent++;
                    Send(slot, new Heartbeat(++_heartbeatSequence));
                }

                p.Flags &= ~PeerFlags.SentThisTick;
                p.TickMessages = 0;
                if (p.Has(PeerFlags.Arcs) || leaving)
                {
                    p.IdleTicks = 0;
                }
                else if (++p.IdleTicks >= _connectTicks)
                {
                    _counters.UnusedCloses++;
                    Close(slot, CloseReason.Unused);
                }
            }
            else if (++p.SilentTicks >= _connectTicks)
            {
                Close(slot, CloseReason.ConnectFailed);
            }
        }

        if (!leaving && _awaitingContact && now >= _joinDeadline)
        {
            // The join (or rejoin) got no contact arc in time: try again through any connected peer, or tell the
            // application it needs a new first contact.
            _counters.JoinRetries++;
            int slot = RandomConnectedSlot(-1);
            if (slot >= 0)
            {
                SendSubscribe(slot, SubscribeFlags.None, now);
            }
            else
            {
                _awaitingContact = false;
                _reportedAlone = true;
                _outbox.Add(new NodeOutput(OutputKind.JoinFailed, NodeId.None));
            }
        }

        if (_peers.Count == 0 && !leaving && !_awaitingContact && !_reportedAlone && _joinDeadline != long.MinValue)
        {
            // A node that joined (its deadline is set by every join and rejoin) and has since lost every connection:
            // its peers crashed, or a partition outlasted the liveness timeout. No subscription can leave it any
            // more, so nothing would ever change; the application must give it a new first contact.
            _reportedAlone = true;
            _outbox.Add(new NodeOutput(OutputKind.JoinFailed, NodeId.None));
        }

        if (leaving || _peers.Count == 0 || (_awaitingContact && now < _joinDeadline))
        {
            _isolatedTicks = 0;
            _emptyViewTicks = 0;
            return;
        }

        _emptyViewTicks = _pvCount == 0 ? (byte)(_emptyViewTicks + 1) : (byte)0;
        _isolatedTicks = _ivCount == 0 ? (byte)(_isolatedTicks + 1) : (byte)0;
        if (_emptyViewTicks >= _livenessTicks)
        {
            RejoinWithEmptyView(now);
        }
        else if (_isolatedTicks >= _livenessTicks)
        {
            _isolatedTicks = 0;
            _counters.IsolationResubscriptions++;
            Resubscribe(SubscribeFlags.Isolated, now);
        }
    }
}
