// One SCAMP node, sans-IO (DESIGN.md "SCAMP, precisely" and "Broadcast"; Ganesh, Kermarrec, Massoulié, IEEE ToC
// 52(2), 2003). Inputs are Handle…/command methods carrying `now`; outputs are polled from a NodeOutbox. This file is
// the thin router (inputs, peer bookkeeping, timers, outputs); membership rules live in Membership/, broadcast in
// Broadcast/, signal relaying in ScampNode.Signal.cs. Usage, as in every sans-IO engine here:
// feed one input, drain outputs until TryPollOutput returns false, arm a timer at PollTimeout(), repeat.
//
//   node state:  Created ──Start/Join──> Member ──Leave──> Leaving ──LeaveLinger──> Left
using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using RtcScamp.Engine.Broadcasting;
using RtcScamp.Engine.Membership;
using RtcScamp.Engine.Randomness;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine;

/// <summary>Life cycle of a <see cref="ScampNode"/>.</summary>
public enum NodeState : byte
{
    /// <summary>Constructed; not yet started.</summary>
    Created = 0,

    /// <summary>Part of the overlay (alone, joining, or joined).</summary>
    Member = 1,

    /// <summary>Left gracefully; connections linger so messages flush and replacement signaling can be relayed.</summary>
    Leaving = 2,

    /// <summary>Gone: every connection was closed; inputs are ignored.</summary>
    Left = 3,
}

/// <summary>
/// One SCAMP node with epidemic broadcast: a deterministic, sans-IO state machine. Time is the <c>now</c> argument
/// (milliseconds by convention; any unit consistent with <see cref="ScampOptions"/> works). Randomness comes from a
/// seeded <see cref="Xoshiro256StarStar"/>: the same seed and inputs give the same outputs. Nothing here throws on
/// peer input; misuse by the caller (wrong state, unknown first contact) throws.
/// </summary>
public sealed partial class ScampNode
{
    // Field order matters for a 10^6-node simulation, where every event reads a random node from main memory: the
    // runtime puts references first, then primitives, then structs in declaration order, so the structs a message
    // handler reads (id, generator, peer table, seen counts, then the counters, hot ones first) form a prefix of
    // HotPrefixBytes that a simulator prefetches, and the cold counters sit last (checked by a test).
    internal const int HotPrefixBytes = 448;

    private readonly NodeId _id;
    private readonly ScampOptions _options;
    private readonly NodeOutbox _outbox;
    private readonly long _tickPeriod;
    private readonly byte _livenessTicks;
    private readonly byte _connectTicks;
    private Xoshiro256StarStar _random;
    private PeerTable _peers;
    private SubscriptionSeenCounts _seen;
    private int _pvCount;
    private int _ivCount;
    private int _arcPeers;
    private int _leaseOld;
    private NodeCounters _counters;
    private NodeState _state;
    private bool _awaitingContact;
    private bool _reportedAlone;
    private byte _isolatedTicks;
    private byte _emptyViewTicks;
    private long _nextTick = long.MaxValue;
    private long _leaseDeadline = long.MaxValue;
    private long _leaseWindowEnd = long.MaxValue;
    private long _leaveDeadline = long.MaxValue;
    private long _joinDeadline = long.MinValue;
    private ulong _broadcastSequence;
    private ulong _heartbeatSequence;
    private DedupRing? _dedup;

    /// <summary>
    /// Creates a node. <paramref name="outbox"/> may be shared by nodes driven from one thread if it is drained after
    /// every input; by default the node gets its own.
    /// </summary>
    public ScampNode(NodeId id, ScampOptions options, ulong seed, NodeOutbox? outbox = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (id.IsNone)
        {
            throw new ArgumentException("NodeId.None is not a valid node id.", nameof(id));
        }

        options.Validate();
        _id = id;
        _options = options;
        _outbox = outbox ?? new NodeOutbox();
        _random = new Xoshiro256StarStar(seed);
        _peers = new PeerTable(options.InitialPeerCapacity);
        _tickPeriod = Math.Max(1, options.HeartbeatPeriod / 2);
        _livenessTicks = (byte)Math.Min(254, 2 * options.LivenessMultiple);
        _connectTicks = (byte)Math.Clamp((options.ConnectTimeout + _tickPeriod - 1) / _tickPeriod, _livenessTicks, 254);
    }

    /// <summary>This node's id.</summary>
    public NodeId Id => _id;

    /// <summary>Life-cycle state.</summary>
    public NodeState State => _state;

    /// <summary>The options the node runs with.</summary>
    public ScampOptions Options => _options;

    /// <summary>Where outputs go.</summary>
    public NodeOutbox Outbox => _outbox;

    /// <summary>
    /// This node's contact blob (a TCP endpoint or compact signaling blob), carried in its subscriptions so keepers
    /// can dial it. The memory must stay unchanged while the node runs.
    /// </summary>
    public ReadOnlyMemory<byte> LocalContact { get; set; }

    /// <summary>Capabilities announced in Hello.</summary>
    public Capabilities LocalCapabilities { get; set; } = Capabilities.RelaySignal;

    /// <summary>Counters since creation.</summary>
    public ref readonly NodeCounters Counters => ref _counters;

    /// <summary>|PartialView|: arcs this→peer.</summary>
    public int PartialViewCount => _pvCount;

    /// <summary>|InView|: arcs peer→this.</summary>
    public int InViewCount => _ivCount;

    /// <summary>Peers tracked (connections up or being made).</summary>
    public int PeerCount => _peers.Count;

    /// <summary>The peer table's entry array, so a simulator can prefetch it before the node's next input.</summary>
    internal Array? PeerStorage => _peers.Storage;

    /// <summary>True if the peer table's flag bits equal its entries (a check for tests and analysis).</summary>
    internal bool PeerBitsAgree => _peers.BitsAgree();

    /// <summary>The dedup ring (null before the first broadcast), so a simulator can prefetch it before the node's next input.</summary>
    internal object? DedupStorage => _dedup;

    /// <summary>The peer table's lookup keys, so a simulator can prefetch them before the node's next input.</summary>
    internal Array? PeerKeys => _peers.Keys;

    /// <summary>Ids the dedup ring's arrays hold now (0 until the first broadcast; grows to DedupCapacity).</summary>
    public int DedupAllocatedCapacity => _dedup?.Capacity ?? 0;

    /// <summary>Ids remembered by the dedup ring now.</summary>
    public int DedupCount => _dedup?.Count ?? 0;

    /// <summary>True if <paramref name="peer"/> is in the PartialView.</summary>
    public bool IsInPartialView(NodeId peer) => HasFlag(peer, PeerFlags.PartialView);

    /// <summary>True if <paramref name="peer"/> is in the InView.</summary>
    public bool IsInInView(NodeId peer) => HasFlag(peer, PeerFlags.InView);

    /// <summary>True if a connection to <paramref name="peer"/> is up.</summary>
    public bool IsConnected(NodeId peer) => HasFlag(peer, PeerFlags.Connected);

    /// <summary>Copies the PartialView (table order) into <paramref name="destination"/>; returns how many were written.</summary>
    public int CopyPartialView(Span<NodeId> destination) => CopyWhere(PeerFlags.PartialView, destination);

    /// <summary>Copies the InView (table order) into <paramref name="destination"/>; returns how many were written.</summary>
    public int CopyInView(Span<NodeId> destination) => CopyWhere(PeerFlags.InView, destination);

    /// <summary>Copies every tracked peer (connected or connecting) into <paramref name="destination"/>.</summary>
    public int CopyPeers(Span<NodeId> destination) => CopyWhere(PeerFlags.Connected | PeerFlags.Connecting, destination);

    /// <summary>Takes the next output (see <see cref="NodeOutbox.TryPoll"/> for how long its bytes stay valid).</summary>
    public bool TryPollOutput(out NodeOutput output) => _outbox.TryPoll(out output);

    /// <summary>When <see cref="HandleTimeout"/> should next be called; <see cref="long.MaxValue"/> if never.</summary>
    public long PollTimeout()
    {
        long t = Math.Min(_nextTick, _leaseDeadline);
        t = Math.Min(t, _leaseWindowEnd);
        return Math.Min(t, _leaveDeadline);
    }

    /// <summary>Starts a node alone (the first node of an overlay), arming its timers.</summary>
    public void Start(long now)
    {
        if (_state != NodeState.Created)
        {
            ThrowState("Start needs a node that was not started.");
        }

        _state = NodeState.Member;
        _nextTick = _options.HeartbeatPeriod > 0 ? now + _tickPeriod : long.MaxValue;
        ArmLease(now);
    }

    /// <summary>
    /// Joins the overlay through <paramref name="firstContact"/>, to which a connection must already be up
    /// (<see cref="HandleConnectionUp"/>). Starts the node if needed and sends a Subscribe that walks to a contact.
    /// </summary>
    public void Join(NodeId firstContact, long now)
    {
        if (_state == NodeState.Created)
        {
            Start(now);
        }

        if (_state != NodeState.Member)
        {
            ThrowState("Join needs a running node.");
        }

        int slot = _peers.Find(firstContact);
        if (slot < 0 || !_peers[slot].Has(PeerFlags.Connected))
        {
            ThrowState("Join needs an open connection to the first contact.");
        }

        SendSubscribe(slot, SubscribeFlags.None, now);
    }

    /// <summary>A connection to <paramref name="peer"/> is up (one we asked for with Connect, or an inbound one).</summary>
    public void HandleConnectionUp(NodeId peer, long now)
    {
        if (_state == NodeState.Left)
        {
            _outbox.Add(new NodeOutput(OutputKind.Close, peer, reason: CloseReason.Leaving));
            return;
        }

        if (peer == _id || peer.IsNone)
        {
            _counters.ProtocolViolations++;
            _outbox.Add(new NodeOutput(OutputKind.Close, peer, reason: CloseReason.IdentityMismatch));
            return;
        }

        _reportedAlone = false; // alone again later, it reports again
        int slot = _peers.Find(peer);
        if (slot < 0)
        {
            if (_peers.Count >= _options.MaxPeers)
            {
                _counters.ViewFull++;
                _outbox.Add(new NodeOutput(OutputKind.Close, peer, reason: CloseReason.TooManyPeers));
                return;
            }

            slot = _peers.Add(peer);
        }

        ref Peer p = ref _peers[slot];
        if (p.Has(PeerFlags.Connected))
        {
            return;
        }

        p.Flags &= ~PeerFlags.Connecting;
        _peers.SetFlags(slot, PeerFlags.Connected);
        p.SilentTicks = 0;
        p.IdleTicks = 0;
        if (_options.SendHello)
        {
            Send(slot, new Hello(Hello.CurrentVersion, _id, LocalCapabilities));
        }

        CompletePendingArcs(slot);
    }

    /// <summary>
    /// The connection to <paramref name="peer"/> went down or could not be made (<paramref name="reason"/>): its arcs
    /// are removed. Unknown peers are ignored.
    /// </summary>
    public void HandleConnectionDown(NodeId peer, CloseReason reason, long now)
    {
        int slot = _peers.Find(peer);
        if (slot >= 0)
        {
            RemovePeer(slot);
        }
    }

    /// <summary>
    /// A decoded message from <paramref name="from"/> arrived. Byte fields may alias the caller's buffer: keep it
    /// alive until the outputs of this call are drained. Bad input is dropped and counted or closes the connection.
    /// </summary>
    public void HandleMessage(NodeId from, in WireMessage message, long now) => HandleMessageAt(_peers.Find(from), message, now);

    /// <summary>The peer table slot of <paramref name="peer"/> (-1 if unknown), for <see cref="HandleMessageAt"/>.</summary>
    internal int SlotOf(NodeId peer) => _peers.Find(peer);

    /// <summary>As <see cref="SlotOf(NodeId)"/>, trying <paramref name="hint"/> (e.g. <see cref="NodeOutput.PeerSlot"/>) first.</summary>
    internal int SlotOf(NodeId peer, int hint) =>
        (uint)hint < (uint)_peers.Count && _peers.IdAt(hint) == peer ? hint : _peers.Find(peer);

    /// <summary>True if <paramref name="slot"/> (from <see cref="SlotOf(NodeId)"/>) is a peer whose connection is up.</summary>
    internal bool IsConnectedAt(int slot) => slot >= 0 && _peers.Has(slot, PeerFlags.Connected);

    /// <summary>
    /// <see cref="HandleMessage"/> for a sender already looked up with <see cref="SlotOf(NodeId)"/> (no input in between): a
    /// simulator that checks the link first saves the second lookup.
    /// </summary>
    internal void HandleMessageAt(int slot, in WireMessage message, long now)
    {
        if (!Admit(slot))
        {
            return;
        }

        switch (message.Type)
        {
            case MessageType.Broadcast:
                OnBroadcast(slot, message.AsBroadcast());
                break;
            case MessageType.Heartbeat:
                break;
            case MessageType.ForwardedSubscription:
                OnForwardedSubscription(slot, message.AsForwardedSubscription(), now);
                break;
            case MessageType.Subscribe:
                OnSubscribe(slot, message.AsSubscribe());
                break;
            case MessageType.Accept:
                OnAccept(slot, message.AsAccept());
                break;
            case MessageType.Remove:
                OnRemove(slot, message.AsRemove());
                RejoinIfViewEmptied(now);
                break;
            case MessageType.Unsubscribe:
                OnUnsubscribe(slot, message.AsUnsubscribe());
                RejoinIfViewEmptied(now);
                break;
            case MessageType.Signal:
                OnSignal(slot, message);
                break;
            case MessageType.Hello:
                OnHello(slot, message.AsHello());
                break;
            default:
                Violation(slot);
                break;
        }
    }

    /// <summary>
    /// As <see cref="HandleMessageAt"/> for a <see cref="ForwardedSubscription"/> without byte fields, given as its three
    /// fixed fields, for a simulator that keeps such messages compact, with one difference: a forward is not put in the
    /// outbox. Its target slot is returned instead (-1 if the copy went nowhere), already counted as sent, and the
    /// caller delivers
    /// <c>ForwardedSubscription(Subscriber, Hops + 1, Flags)</c> to that peer: the message the outbox would have held, as
    /// the node records no routes (<see cref="ScampOptions.RecordRoutes"/> off is required). Every other output (a kept
    /// copy's Connect or Accept) goes to the outbox as usual. Skipping the 192-byte output and its conversions saves
    /// ~13 % of a build event in cache.
    /// </summary>
    internal int HandleForwardedCompactAt(int slot, NodeId subscriber, byte hops, SubscribeFlags flags, long now)
    {
        Debug.Assert(!_options.RecordRoutes, "a compact copy, on a node that records no routes");
        if (!Admit(slot))
        {
            return -1;
        }

        int target = RouteCopy(slot, subscriber, hops, routeLength: 0, now);
        if (target == KeepCopy)
        {
            KeepCompactCopy(subscriber, flags);
            return -1;
        }

        if (target >= 0)
        {
            MarkSent(target);
        }

        return target;
    }

    /// <summary>A kept compact copy's arc (no contact, no route), out of the forwarding path's frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void KeepCompactCopy(NodeId subscriber, SubscribeFlags flags)
    {
        _counters.SubscriptionsKept++;
        MakeOutArc(subscriber, flags, default, default);
    }

    /// <summary>
    /// As <see cref="HandleForwardedCompactAt"/>, for a walk step: the caller delivers
    /// <c>Subscribe(Subscriber, <paramref name="nextBudget"/>, Flags)</c> to the returned slot.
    /// </summary>
    internal int HandleSubscribeCompactAt(int slot, in Subscribe subscribe, out double nextBudget)
    {
        Debug.Assert(!_options.RecordRoutes && subscribe.Contact.IsEmpty && subscribe.Route.Bytes.IsEmpty, "a compact walk, on a node that records no routes");
        nextBudget = 0;
        if (!Admit(slot))
        {
            return -1;
        }

        int next = StepWalk(slot, subscribe, out nextBudget);
        if (next >= 0)
        {
            MarkSent(next);
        }

        return next;
    }

    /// <summary>
    /// As <see cref="HandleMessageAt"/> for a <see cref="Broadcast"/> already in its own form (a simulator that keeps
    /// messages compact saves building a <see cref="WireMessage"/> for each copy of a wave, most of them duplicates).
    /// </summary>
    internal void HandleBroadcastAt(int slot, in Broadcast broadcast)
    {
        if (Admit(slot))
        {
            OnBroadcast(slot, broadcast);
        }
    }

    /// <summary>The id of the peer at <paramref name="slot"/> (a slot returned by the compact handlers).</summary>
    internal NodeId PeerAt(int slot) => _peers.IdAt(slot);

    /// <summary>The checks every received message passes first: a known, connected sender within its rate limit.</summary>
    private bool Admit(int slot)
    {
        _counters.MessagesReceived++;
        if (slot < 0 || _state is NodeState.Created or NodeState.Left || !_peers.Has(slot, PeerFlags.Connected))
        {
            _counters.UnknownPeer++;
            return false;
        }

        if (Ticking)
        {
            // The tick counters count heartbeat ticks; with no ticks (no heartbeats) nothing reads them, and the entry
            // is left alone.
            return AdmitTicking(slot);
        }

        return true;
    }

    /// <summary>
    /// A frame body (one MessagePack message; the length prefix already removed, e.g. by
    /// <c>Frame.TryReadFrame</c>) from <paramref name="from"/>: decoded with the node's limits, then handled like
    /// <see cref="HandleMessage"/>. A message type this version does not know is dropped and counted (the peer may be
    /// newer); any other decode failure closes the connection with <see cref="CloseReason.MalformedFrame"/>.
    /// </summary>
    public void HandleFrame(NodeId from, in ReadOnlySequence<byte> body, long now)
    {
        DecodeResult result = MessageCodec.TryDecode(body, _options.Limits, out WireMessage message);
        if (result == DecodeResult.Ok)
        {
            HandleMessage(from, message, now);
            return;
        }

        _counters.MessagesReceived++;
        _counters.MalformedFrames++;
        int slot = _peers.Find(from);
        if (result != DecodeResult.UnknownMessageType && slot >= 0 && _peers[slot].Has(PeerFlags.Connected))
        {
            Close(slot, CloseReason.MalformedFrame);
        }
    }

    /// <summary>Runs every timer due at <paramref name="now"/> (heartbeats, liveness, isolation, lease, leave).</summary>
    public void HandleTimeout(long now)
    {
        if (_state is NodeState.Created or NodeState.Left)
        {
            return;
        }

        if (now >= _leaveDeadline)
        {
            FinishLeave();
            return;
        }

        if (now >= _nextTick && Ticking)
        {
            Tick(now);
            _nextTick += _tickPeriod;
            if (_nextTick <= now)
            {
                _nextTick = now + _tickPeriod;
            }
        }

        if (now >= _leaseWindowEnd)
        {
            EndLeaseWindow();
        }

        if (now >= _leaseDeadline)
        {
            OnLeaseExpired(now);
        }
    }

    private bool HasFlag(NodeId peer, PeerFlags flag)
    {
        int slot = _peers.Find(peer);
        return slot >= 0 && _peers[slot].Has(flag);
    }

    private int CopyWhere(PeerFlags flags, Span<NodeId> destination)
    {
        int n = 0;
        for (int i = 0; i < _peers.Count && n < destination.Length; i++)
        {
            if (_peers[i].Has(flags))
            {
                destination[n++] = _peers.IdAt(i);
            }
        }

        return n;
    }

    /// <summary>
    /// True if the node has heartbeat ticks (a heartbeat period). Only ticks read a peer's tick counters and
    /// SentThisTick, so without them handlers leave the entries alone.
    /// </summary>
    private bool Ticking => _options.HeartbeatPeriod > 0;

    private bool AdmitTicking(int slot)
    {
        ref Peer p = ref _peers[slot];
        p.SilentTicks = 0;
        int limit = _options.MaxMessagesPerPeerPerTick;
        if (limit > 0 && ++p.TickMessages > limit)
        {
            _counters.FloodCloses++;
            Close(slot, CloseReason.Flood);
            return false;
        }

        return true;
    }

    private void Send(int slot, in WireMessage message)
    {
        MarkSent(slot);
        _outbox.AddSend(_peers.IdAt(slot), message, slot);
    }

    /// <summary>Counts a message sent to <paramref name="slot"/> (which then needs no heartbeat this tick).</summary>
    private void MarkSent(int slot)
    {
        if (Ticking)
        {
            _peers[slot].Flags |= PeerFlags.SentThisTick; // (read only by a tick)
        }

        _counters.MessagesSent++;
    }

    private void Violation(int slot)
    {
        _counters.ProtocolViolations++;
        Close(slot, CloseReason.ProtocolViolation);
    }

    /// <summary>Asks the driver to close the connection and forgets the peer with its arcs.</summary>
    private void Close(int slot, CloseReason reason)
    {
        _outbox.Add(new NodeOutput(OutputKind.Close, _peers.IdAt(slot), reason: reason));
        RemovePeer(slot);
    }

    private void RemovePeer(int slot)
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

        if (p.Has(PeerFlags.PendingOut | PeerFlags.PendingIn))
        {
            _counters.ArcsFailed++;
        }

        _peers.RemoveAt(slot);
    }

    private void AddPartialView(int slot)
    {
        ref Peer p = ref _peers[slot];
        if (!p.Has(PeerFlags.InView))
        {
            _arcPeers++;
        }

        _peers.SetFlags(slot, PeerFlags.PartialView);
        _pvCount++;
        ReportView(_peers.IdAt(slot), ViewChange.PartialViewAdded);
    }

    private void RemovePartialView(int slot)
    {
        ref Peer p = ref _peers[slot];
        _peers.ClearFlags(slot, PeerFlags.PartialView);
        if (!p.Has(PeerFlags.InView))
        {
            _arcPeers--;
        }

        _pvCount--;
        ReportView(_peers.IdAt(slot), ViewChange.PartialViewRemoved);
    }

    private void AddInView(int slot)
    {
        ref Peer p = ref _peers[slot];
        if (!p.Has(PeerFlags.PartialView))
        {
            _arcPeers++;
        }

        _peers.SetFlags(slot, PeerFlags.InView);
        _ivCount++;
        ReportView(_peers.IdAt(slot), ViewChange.InViewAdded);
    }

    private void RemoveInView(int slot)
    {
        ref Peer p = ref _peers[slot];
        if (p.Has(PeerFlags.OldInView))
        {
            p.Flags &= ~PeerFlags.OldInView;
            _leaseOld--;
        }

        _peers.ClearFlags(slot, PeerFlags.InView);
        if (!p.Has(PeerFlags.PartialView))
        {
            _arcPeers--;
        }

        _ivCount--;
        ReportView(_peers.IdAt(slot), ViewChange.InViewRemoved);
    }

    private void ReportView(NodeId peer, ViewChange change)
    {
        if (_options.ReportViewChanges)
        {
            _outbox.Add(new NodeOutput(OutputKind.ViewChanged, peer, change: change));
        }
    }

    /// <summary>A uniformly chosen PartialView slot, or -1 if the PartialView is empty.</summary>
    private int RandomSlotWith(PeerFlags flag, int count)
    {
        if (count == 0)
        {
            return -1;
        }

        // Rejection sampling over the table is uniform and usually takes one or two draws; after a few misses fall
        // back to picking the k-th member, which is also uniform.
        for (int attempt = 0; attempt < 4; attempt++)
        {
            int slot = _random.NextInt(_peers.Count);
            if (_peers.Has(slot, flag))
            {
                return slot;
            }
        }

        int k = _random.NextInt(count);
        for (int i = 0; i < _peers.Count; i++)
        {
            if (_peers.Has(i, flag) && k-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    [DoesNotReturn]
    private static void ThrowState(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    private static void ThrowPayloadTooLarge() => throw new ArgumentException("The payload exceeds WireLimits.MaxPayloadLength.", "payload");

    private static ReadOnlySequence<byte> AsSequence(ReadOnlyMemory<byte> memory) => memory.IsEmpty ? default : new ReadOnlySequence<byte>(memory);
}
