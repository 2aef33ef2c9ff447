// An in-memory network of real ScampNodes for tests and the large-scale simulator (ScampSimulation): connections
// are in-memory links with a fixed per-link latency (so each link is FIFO), optional per-message jitter
// (reordering), duplication and loss, all drawn from one seeded generator. One shared NodeOutbox is drained after
// every input. Built to scale to 10^6 nodes: node i has id (tag, i+1) so the index is recovered without hashing;
// a link is open while the engines are connected, so nothing is stored per link: only pairs that were closed or
// reconnected get a record (open or closed, and the connection's generation, the epoch that drops messages and
// closes of an older connection; LinkRecords); pending events are 16-byte records in a 1 ms timing wheel
// (SimEventQueue); in-flight messages sit in pools indexed by the event's handle, one slot per fanned-out message
// (32-byte compact slots for messages without byte fields). A partition splits the nodes into sides between which
// nothing is delivered until it heals (the engines find out only through their own liveness timeouts).
//
//   input ──> node.Handle…(now) ──> drain outbox ──> schedule Message/Connect/Close events, re-arm node timer
//                                                        │
//   queue (by time, then insertion order) <──────────────┘ ──pop──> next input
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using RtcScamp.Engine.Membership;
using RtcScamp.Engine.Randomness;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine.Simulation;

/// <summary>Network conditions of a <see cref="SimNetwork"/> (times in the nodes' unit, milliseconds by convention).</summary>
public sealed record SimNetworkOptions
{
    /// <summary>Smallest per-link one-way latency. Default 5.</summary>
    public long MinLatency { get; init; } = 5;

    /// <summary>Largest per-link one-way latency. Default 50.</summary>
    public long MaxLatency { get; init; } = 50;

    /// <summary>Extra per-message delay drawn uniformly in [0, Jitter]; &gt; 0 reorders messages on a link. Default 0.</summary>
    public long Jitter { get; init; }

    /// <summary>Probability that a message is delivered twice. Default 0.</summary>
    public double DuplicateProbability { get; init; }

    /// <summary>Probability that a message is lost. Default 0.</summary>
    public double LossProbability { get; init; }
}

/// <summary>
/// Many <see cref="ScampNode"/>s wired by in-memory links and driven by a seeded discrete-event queue.
/// Node i has id <see cref="IdOf"/>(i). Deterministic: same seed and calls, same <see cref="TraceHash"/>.
/// </summary>
public sealed class SimNetwork
{
    private const ulong IdTag = 0x5CA3_9000_0000_0000UL;
    private const int CompactFlag = 1 << 27; // handle bit: the message is in the compact pool
    private readonly ScampOptions _options;

    /// <summary>The nodes have heartbeat ticks, so every message they receive also resets the sender's tick counters (in its entry).</summary>
    private readonly bool _ticking;
    private readonly ulong _seed;
    private readonly NodeOutbox _outbox = new(64);
    private readonly SimEventQueue _queue = new();
    private NodeSlot[] _slots = new NodeSlot[16];
    private int _count;
    private WireMessage[] _messages = new WireMessage[64];
    private int[] _messageRefs = new int[64];
    private int[] _freeMessages = new int[64];
    private int _drainHandle = -1;
    private CompactMessage[] _compact = new CompactMessage[64];
    private int[] _freeCompact = new int[64];
    private int _freeCompactCount;
    private int _compactUsed;
    private int _freeCount;
    private int _messagesUsed;
    private readonly List<int> _rejoins = [];
    private readonly ArrayBufferWriter<byte> _encoded = new(256);
    private static readonly WireLimits s_traceLimits = WireLimits.Default with { MaxRoute = WireLimits.MaxRouteLength };
    private Xoshiro256StarStar _random;
    private readonly LinkRecords _records = new();
    private int _previousReceiver;
    private bool _previousReadsEntries;
    private int[]? _sides;
    private bool _partitioned;
    private bool _compactHandlers;
    private ulong _trace = 14695981039346656037UL;

    /// <summary>Creates an empty network; every node runs with <paramref name="options"/>.</summary>
    public SimNetwork(ScampOptions options, ulong seed, SimNetworkOptions? network = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ticking = options.HeartbeatPeriod > 0;
        Conditions = network ?? new SimNetworkOptions();
        _seed = seed;
        _random = new Xoshiro256StarStar(seed);
        _compactHandlers = !options.RecordRoutes; // the compact handlers need nodes that record no routes
    }

    /// <summary>
    /// Latency, jitter, duplication and loss; may be changed between steps (e.g. duplicate only broadcasts: a
    /// duplicated walk would fork, and real transports are reliable).
    /// </summary>
    public SimNetworkOptions Conditions { get; set; }

    /// <summary>Current simulated time.</summary>
    public long Now { get; private set; }

    /// <summary>Nodes ever added (live or not).</summary>
    public int Count => _count;

    /// <summary>Time of the last event that was not a heartbeat or a timer without effect.</summary>
    public long LastActivity { get; private set; }

    /// <summary>Messages dropped because their connection had been closed (or was never up) when they arrived.</summary>
    public long MessagesLostToClosedLinks { get; private set; }

    /// <summary>
    /// Messages, connection attempts and closes a partition kept from crossing between its sides (a message sent
    /// across, or in flight when the partition began; a connect attempt fails; a close leaves the other end unaware).
    /// </summary>
    public long LostToPartition { get; private set; }

    /// <summary>True while a partition set by <see cref="Partition"/> is in force.</summary>
    public bool IsPartitioned => _partitioned;

    /// <summary>Joins redone through a new random first contact after a node reported JoinFailed.</summary>
    public long Rejoins { get; private set; }

    /// <summary>Events processed.</summary>
    public long EventsProcessed { get; private set; }

    /// <summary>Deliver outputs drained so far (broadcasts delivered to applications, all nodes together).</summary>
    public long Deliveries { get; private set; }

    /// <summary>Events waiting in the queue.</summary>
    public int PendingEvents => _queue.Count;

    /// <summary>Largest number of events waiting at once.</summary>
    public int PendingEventsHighWater => _queue.HighWater;

    /// <summary>Accept messages sent so far: one per arc made (the keeper's or the contact's), so arcs made ≈ this.</summary>
    public long AcceptsSent { get; private set; }

    /// <summary>Walks that ended at a contact (the contact's Subscribe handling fanned the subscription out).</summary>
    public long ContactsChosen { get; private set; }

    /// <summary>Σ over chosen contacts of |PartialView(contact)| when it was chosen.</summary>
    public long ContactPartialViewSum { get; private set; }

    /// <summary>
    /// Σ over chosen contacts of the mean |PartialView| at that moment (<see cref="AcceptsSent"/> / (nodes − 1)).
    /// <see cref="ContactPartialViewSum"/> divided by this is 1 when contacts are uniform over nodes, above 1 when
    /// the walk favours nodes with large views (which makes views grow faster than (c+1)(H_n − 1)).
    /// </summary>
    public double ContactMeanPartialViewSum { get; private set; }

    /// <summary>Open links (connections) between nodes.</summary>
    public long LinkCount { get; private set; }

    /// <summary>FNV-1a hash of every output of every node, in order, with its time; messages as their encoded wire bytes.</summary>
    public ulong TraceHash => _trace;

    /// <summary>Whether <see cref="TraceHash"/> is kept up to date (it encodes every message; a large run may turn it off).</summary>
    public bool TraceOutputs { get; set; } = true;

    /// <summary>
    /// Whether walk steps, forwarded copies and broadcasts in compact form go to the nodes' compact handlers, the first
    /// two of which route them on without the outbox. On unless the nodes record routes (those handlers do not support
    /// it). Off, every message goes through <see cref="ScampNode.HandleMessage"/> and the outbox; a run is the same
    /// either way (a test compares the two).
    /// </summary>
    internal bool CompactHandlers
    {
        get => _compactHandlers;
        set => _compactHandlers = value && !_options.RecordRoutes;
    }

    /// <summary>Called for every output as it is drained (node index, output). Byte fields are valid during the call only.</summary>
    public Action<int, NodeOutput>? OnOutput { get; set; }

    /// <summary>The i-th node.</summary>
    public ScampNode this[int index] => _slots[index].Node;

    /// <summary>The id of node <paramref name="index"/>.</summary>
    public static NodeId IdOf(int index) => new(IdTag, (ulong)index + 1);

    /// <summary>The index of <paramref name="id"/>, or -1 if it is not a node of this network.</summary>
    public int IndexOf(NodeId id) => id.High == IdTag && id.Low >= 1 && id.Low <= (ulong)_count ? (int)(id.Low - 1) : -1;

    /// <summary>True until the node crashed or finished leaving.</summary>
    public bool IsAlive(int index) => _slots[index].Alive && _slots[index].Node.State != NodeState.Left;

    /// <summary>
    /// Splits the network: node i is on side <paramref name="sides"/>[i] (one entry per node added so far), and until
    /// <see cref="Heal"/> nothing is delivered between nodes on different sides: messages sent across, or in flight when
    /// it begins, are lost; connection attempts across fail at the initiator (<see cref="CloseReason.ConnectFailed"/>);
    /// a close across reaches only the closer's end, so the other end keeps the connection until its liveness timeout.
    /// Connections themselves stay up, as a transport's would until a timeout. A node added later (a join, a rejoin) is
    /// on its first contact's side, and a rejoin's random contact is drawn from the same side.
    /// </summary>
    public void Partition(ReadOnlySpan<int> sides)
    {
        if (sides.Length != _count)
        {
            throw new ArgumentException($"One side per node is needed ({_count}), got {sides.Length}.", nameof(sides));
        }

        _sides = new int[_slots.Length];
        sides.CopyTo(_sides);
        _partitioned = true;
    }

    /// <summary>Ends the partition: from now on messages cross again (connections closed meanwhile stay closed).</summary>
    public void Heal() => _partitioned = false;

    /// <summary>The side of node <paramref name="index"/> in the last partition (0 if there was none).</summary>
    public int SideOf(int index) => _sides is { } sides ? sides[index] : 0;

    /// <summary>True if a partition in force keeps <paramref name="a"/> and <paramref name="b"/> apart.</summary>
    private bool Separated(int a, int b) => _partitioned && _sides![a] != _sides[b];

    /// <summary>Adds and starts the first node of an overlay (alone).</summary>
    public int AddFirst()
    {
        int index = AddNode();
        _slots[index].Node.Start(Now);
        Drain(index);
        return index;
    }

    /// <summary>Adds a node, connects it to <paramref name="contact"/> at once and joins through it.</summary>
    public int AddAndJoin(int contact)
    {
        if (!IsAlive(contact))
        {
            throw new ArgumentException("The first contact must be alive.", nameof(contact));
        }

        int index = AddNode();
        if (_sides is not null)
        {
            _sides[index] = _sides[contact];
        }

        SetLink(index, contact);
        _slots[index].Node.HandleConnectionUp(IdOf(contact), Now);
        Drain(index);
        _slots[contact].Node.HandleConnectionUp(IdOf(index), Now);
        Drain(contact);
        _slots[index].Node.Join(IdOf(contact), Now);
        Drain(index);
        LastActivity = Now;
        return index;
    }

    /// <summary>Node <paramref name="index"/> leaves gracefully.</summary>
    public void Leave(int index)
    {
        _slots[index].Node.Leave(Now);
        Drain(index);
        LastActivity = Now;
    }

    /// <summary>
    /// Node <paramref name="index"/> crashes: it stops. With <paramref name="notifyPeers"/> its peers learn at once (as
    /// from a transport reset, after one link latency); otherwise only liveness timeouts find out.
    /// </summary>
    public void Crash(int index, bool notifyPeers)
    {
        if (!_slots[index].Alive)
        {
            return;
        }

        _slots[index].Alive = false;
        if (notifyPeers)
        {
            ScampNode node = _slots[index].Node;
            var peers = new NodeId[node.PeerCount];
            int n = node.CopyPeers(peers);
            for (int i = 0; i < n; i++)
            {
                int peer = IndexOf(peers[i]);
                if (peer >= 0 && TryGetLink(index, peer, out uint epoch))
                {
                    _queue.Push(new SimEvent { Time = Now + Latency(index, peer), Kind = SimEventKind.Close, From = index, To = peer, Epoch = epoch, Reason = CloseReason.TransportError });
                }
            }
        }

        LastActivity = Now;
    }

    /// <summary>Node <paramref name="index"/> broadcasts <paramref name="payload"/>.</summary>
    public MessageId Broadcast(int index, ReadOnlyMemory<byte> payload)
    {
        MessageId id = _slots[index].Node.Broadcast(new ReadOnlySequence<byte>(payload), Now);
        Drain(index);
        LastActivity = Now;
        return id;
    }

    /// <summary>Runs events up to and including time <paramref name="until"/>; then Now = <paramref name="until"/>.</summary>
    public void RunUntil(long until)
    {
        while (_queue.Count > 0 && _queue.PeekTime <= until)
        {
            Step();
        }

        Now = Math.Max(Now, until);
    }

    /// <summary>
    /// Runs until nothing but heartbeats and idle timers happened for <paramref name="quietFor"/>, or until
    /// <paramref name="limit"/>. Returns true if the network went quiet.
    /// </summary>
    public bool RunUntilQuiet(long quietFor, long limit)
    {
        while (_queue.Count > 0 && _queue.PeekTime <= limit)
        {
            if (_queue.PeekTime - LastActivity > quietFor)
            {
                Now = Math.Max(Now, LastActivity + quietFor);
                return true;
            }

            Step();
        }

        if (_queue.Count == 0)
        {
            Now = Math.Max(Now, Math.Min(limit, LastActivity + quietFor));
            return true;
        }

        Now = Math.Max(Now, limit);
        return false;
    }

    private int AddNode()
    {
        int index = _count;
        if (index == _slots.Length)
        {
            Array.Resize(ref _slots, index * 2);
            if (_sides is not null)
            {
                Array.Resize(ref _sides, _slots.Length);
            }
        }

        ulong state = _seed ^ ((ulong)index * 0x9E3779B97F4A7C15UL);
        _slots[index] = new NodeSlot
        {
            Node = new ScampNode(IdOf(index), _options, Xoshiro256StarStar.SplitMix64(ref state), _outbox),
            Alive = true,
            Timer = long.MaxValue,
        };
        _count++;
        return index;
    }

    private void Step()
    {
        _queue.TryPop(out SimEvent e);
        if (_queue.Count > WaveEvents && Sse.IsSupported)
        {
            PrefetchAhead();
        }
        else if (e.To == _previousReceiver && Sse.IsSupported)
        {
            // The receiver scheduled last (a walk step: the only event in flight) had no second stage yet: issue its
            // node and tables together now rather than meet them one miss after another.
            PrefetchNode(e.To, _previousReadsEntries);
            _previousReceiver = -1;
        }

        Now = e.Time;
        EventsProcessed++;
        if (e.Kind == SimEventKind.Message)
        {
            OnMessage(e);
        }
        else
        {
            OnOtherEvent(e);
        }
    }

    // The message path (nearly every event) is kept apart from the rest: struct locals with references (a
    // WireMessage, a NodeOutput) in an inlined cold path make the JIT zero ~1 KB of stack on every event.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnMessage(in SimEvent e)
    {
        ScampNode node = _slots[e.To].Node;
        int slot = node.SlotOf(IdOf(e.From));
        if (!TryGetLinkAt(e.To, e.From, slot, out uint epoch) || epoch != e.Epoch || !IsAlive(e.To))
        {
            MessagesLostToClosedLinks++;
            ReleaseMessage(e.Handle);
            return;
        }

        if (Separated(e.From, e.To))
        {
            LostToPartition++;
            ReleaseMessage(e.Handle);
            return;
        }

        if ((e.Handle & CompactFlag) != 0)
        {
            LastActivity = Now; // (a heartbeat is never compact)
            Deliver(e.To, node, slot, e.Handle & ~CompactFlag);
        }
        else
        {
            OnWireMessage(node, slot, e.Handle);
        }

        Drain(e.To); // outputs may alias the message's bytes: release its slot after draining
        ReleaseMessage(e.Handle);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnWireMessage(ScampNode node, int slot, int handle)
    {
        ref readonly WireMessage message = ref _messages[handle]; // (this pool changes only while draining)
        if (message.Type != MessageType.Heartbeat)
        {
            LastActivity = Now;
        }

        if (message.Type == MessageType.Subscribe)
        {
            Walk(node, slot, message);
        }
        else
        {
            node.HandleMessageAt(slot, message, Now);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnOtherEvent(in SimEvent e)
    {
        switch (e.Kind)
        {
            case SimEventKind.Timer:
                if (_slots[e.To].Timer == e.Time && IsAlive(e.To))
                {
                    _slots[e.To].Timer = long.MaxValue;
                    _slots[e.To].Node.HandleTimeout(Now);
                    Drain(e.To);
                }

                break;
            case SimEventKind.Connect:
                LastActivity = Now;
                OnConnect(e.From, e.To);
                break;
            case SimEventKind.Close:
                LastActivity = Now;
                if (TryGetLink(e.To, e.From, out uint current) && current == e.Epoch)
                {
                    RemoveLink(e.From, e.To);
                    if (Separated(e.From, e.To))
                    {
                        // The closer's end is gone; the other end learns nothing and keeps the connection until
                        // its liveness timeout (its messages to the closer are dropped as on a closed link).
                        LostToPartition++;
                    }
                    else if (IsAlive(e.To))
                    {
                        _slots[e.To].Node.HandleConnectionDown(IdOf(e.From), e.Reason, Now);
                        Drain(e.To);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Hands a compact message to <paramref name="node"/> (node <paramref name="index"/>) in its own form: walk steps and
    /// forwarded copies are most of a build's events, and broadcast copies all of a wave's. Expanding each into a
    /// 112-byte <see cref="WireMessage"/> and back cost ~15 % of an event, and routing the walk or copy on through the
    /// outbox ~13 % more.
    /// </summary>
    private void Deliver(int index, ScampNode node, int slot, int compact)
    {
        ref readonly CompactMessage message = ref _compact[compact];
        switch (message.Type)
        {
            case MessageType.ForwardedSubscription when _compactHandlers:
                int target = node.HandleForwardedCompactAt(slot, message.Id, message.Byte2, (SubscribeFlags)message.Byte1, Now);
                if (target >= 0)
                {
                    SendOn(index, node, target, compact, message with { Byte2 = (byte)(message.Byte2 + 1) });
                }

                break;
            case MessageType.Subscribe when _compactHandlers:
                WalkCompact(index, node, slot, compact);
                break;
            case MessageType.Broadcast when _compactHandlers:
                DeliverBroadcast(node, slot, message);
                break;
            default:
                DeliverExpanded(node, slot, message);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DeliverBroadcast(ScampNode node, int slot, in CompactMessage message) => node.HandleBroadcastAt(slot, message.AsBroadcast());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DeliverExpanded(ScampNode node, int slot, in CompactMessage message)
    {
        if (message.Type == MessageType.Subscribe)
        {
            Walk(node, slot, message.Expand());
        }
        else
        {
            node.HandleMessageAt(slot, message.Expand(), Now);
        }
    }

    /// <summary>
    /// What <see cref="Drain"/> does with a Send output, for a compact message a node's compact handler routed to its
    /// peer at <paramref name="peerSlot"/> instead of putting it in the outbox: the same trace, callback, link check and
    /// scheduling, so a run is the same either way.
    /// </summary>
    /// <remarks>With <paramref name="reuse"/>, <paramref name="message"/> is already in that pool slot (its only holder being the event now handled).</remarks>
    private void SendCompact(int index, ScampNode node, int peerSlot, in CompactMessage message, int reuse = -1)
    {
        NodeId peerId = node.PeerAt(peerSlot);
        if (TraceOutputs || OnOutput is not null)
        {
            ReportCompactSend(index, peerId, peerSlot, message);
        }

        int peer = IndexOf(peerId);
        if (peer >= 0 && TryGetLinkAt(index, peer, peerSlot, out uint epoch) && Transmit(index, peer, out int copies, readsEntries: _ticking))
        {
            Enqueue(index, peer, epoch, (reuse >= 0 ? reuse : RentCompact(message)) | CompactFlag, copies);
        }
    }

    /// <summary>
    /// Sends <paramref name="next"/>, the message in pool slot <paramref name="compact"/> one step on, to
    /// <paramref name="peerSlot"/>: in that same slot when the event being handled is its only holder (after a contact's
    /// fan-out every copy is), instead of renting a new one and releasing the old.
    /// </summary>
    private void SendOn(int index, ScampNode node, int peerSlot, int compact, in CompactMessage next)
    {
        ref CompactMessage current = ref _compact[compact]; // (the pool is not resized while a node handles a message)
        if (current.Refs == 1)
        {
            current = next with { Refs = 1 };
            SendCompact(index, node, peerSlot, current, reuse: compact);
        }
        else
        {
            SendCompact(index, node, peerSlot, next with { Refs = 0 });
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReportCompactSend(int index, NodeId peerId, int peerSlot, in CompactMessage message)
    {
        var output = new NodeOutput(OutputKind.Send, peerId, message.Expand(), peerSlot: peerSlot);
        if (TraceOutputs)
        {
            Trace(index, output);
        }

        OnOutput?.Invoke(index, output);
    }

    /// <summary>A walk step, noting the contact the walk ends at (for the contact statistics).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Walk(ScampNode node, int slot, in WireMessage subscribe)
    {
        int partialView = node.PartialViewCount;
        long served = node.Counters.ContactsServed;
        node.HandleMessageAt(slot, subscribe, Now);
        NoteContact(node, partialView, served);
    }

    /// <summary>As <see cref="Walk"/>, for a compact walk step through the node's compact handler.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WalkCompact(int index, ScampNode node, int slot, int compact)
    {
        ref readonly CompactMessage message = ref _compact[compact];
        if (_count >= PeerSlotPrefetchFrom)
        {
            PrefetchPeerSlots(index);
        }

        int partialView = node.PartialViewCount;
        long served = node.Counters.ContactsServed;
        int next = node.HandleSubscribeCompactAt(slot, message.AsSubscribe(), out double budget);
        NoteContact(node, partialView, served);
        if (next >= 0)
        {
            SendOn(index, node, next, compact, message with { Number = BitConverter.DoubleToUInt64Bits(budget) });
        }
    }

    private void NoteContact(ScampNode node, int partialView, long served)
    {
        if (node.Counters.ContactsServed != served)
        {
            ContactsChosen++;
            ContactPartialViewSum += partialView;
            ContactMeanPartialViewSum += (double)AcceptsSent / Math.Max(1, _count - 1);
        }
    }

    /// <summary>
    /// At 10^5 nodes and more every event reads a random node's slot, object and peer table from main memory. When a
    /// message is scheduled its receiver is known, so everything it will read is prefetched into cache long before it
    /// runs (an event runs after the ~(c+1)·ln n other copies in flight): while they are in flight the misses of the
    /// coming events overlap instead of being paid one after another. The addresses of the node's object and arrays are
    /// in its slot, itself a miss, so the prefetch has two stages: the slot's line now, and the node's hot prefix and
    /// peer arrays at the next schedule, when the slot has arrived (reading it now would stall on it; measured: later
    /// stages were slower). Prefetches are hints only: nothing observable changes (a stale or moved array wastes the hint).
    /// </summary>
    private void PrefetchReceiver(int index, bool readsEntries)
    {
        if (!Sse.IsSupported || _queue.Count > WaveEvents)
        {
            // In a broadcast wave an event runs long after it is scheduled, when this would have left the cache:
            // PrefetchAhead fetches it as its turn nears. Prefetching now (and reading the last receiver's slot for
            // the second stage) only cost: one 10^5 wave 357-437 -> 294-339 ns/event without it.
            return;
        }

        PrefetchSlot(index);
        if (_previousReceiver >= 0)
        {
            PrefetchNode(_previousReceiver, _previousReadsEntries);
        }

        _previousReceiver = index;
        _previousReadsEntries = readsEntries;
    }

    /// <summary>
    /// During a broadcast wave (up to n·|PartialView| events pending) an event runs long after it was scheduled, when
    /// what was prefetched then has left the cache; so the events about to run are prefetched again, in stages that
    /// follow the pointers: the slot <see cref="WaveSlotAhead"/> events ahead, the node and its peer tables (from the
    /// slot) <see cref="WaveNodeAhead"/> ahead, its dedup ring (from the node) <see cref="WaveRingAhead"/> ahead.
    /// </summary>
    private void PrefetchAhead()
    {
        int slot = _queue.PeekReceiver(WaveSlotAhead);
        if (slot >= 0)
        {
            PrefetchSlot(slot);
        }

        int node = _queue.PeekReceiver(WaveNodeAhead, out int handle);
        if (node >= 0)
        {
            PrefetchNode(node, readsEntries: _ticking); // (a wave's events are broadcasts)
        }

        if (handle >= 0 && (handle & CompactFlag) != 0)
        {
            // The compact message it carries: one pool slot per forwarding node, so also a random line.
            PrefetchMessage(handle & ~CompactFlag);
        }

        int ring = _queue.PeekReceiver(WaveRingAhead);
        if (ring >= 0)
        {
            // The ring object and, allocated right after it, its two small arrays.
            PrefetchBytes(_slots[ring].Node.DedupStorage, 0, DedupRingBytes);
        }
    }

    /// <summary>
    /// From this many nodes a walk step prefetches its peers' slots (<see cref="PrefetchPeerSlots"/>); with fewer they
    /// stay in cache and it only costs time. A hint, so any value gives the same run (tests set it to 0 to check that).
    /// </summary>
    internal int PeerSlotPrefetchFrom { get; set; } = 32_768;

    /// <summary>
    /// A walk step is the only event in flight, and its next hop is a random peer of this node: the first line of each
    /// of their slots is prefetched at once, so the next step does not begin with a miss on its slot (measured at 10^5
    /// nodes: ~2 % of a build, and 2-3 % more with one line per slot instead of two; at 600 nodes, all in cache, it cost 3 %).
    /// </summary>
    private void PrefetchPeerSlots(int index)
    {
        ref NodeSlot slot = ref _slots[index];
        if (!Sse.IsSupported || slot.PeerKeys is not uint[] keys)
        {
            return;
        }

        // The peers' ids are (IdTag, peer + 1) with peer + 1 < 2^32: their keys are (peer + 1) ^ KeyOf((IdTag, 0)).
        uint tagKey = PeerTable.KeyOf(new NodeId(IdTag, 0));
        int n = Math.Min(slot.PeerCount, keys.Length);
        for (int i = 0; i < n; i++)
        {
            uint peer = (keys[i] ^ tagKey) - 1;
            if (peer < (uint)_count)
            {
                // Its first line only (the node and key references): one prefetch per peer instead of two, as a slot
                // may straddle lines (10^5 build: 2-3 % faster).
                PrefetchSlotStart((int)peer);
            }
        }
    }

    private const int WaveEvents = 4096;
    private const int WaveSlotAhead = 12;
    private const int WaveNodeAhead = 8;
    private const int WaveRingAhead = 4;
    private const int DedupRingBytes = 192;

    private unsafe void PrefetchMessage(int compact)
    {
        if ((uint)compact < (uint)_compact.Length)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref _compact[compact]));
        }
    }

    private unsafe void PrefetchSlotStart(int index) => Sse.Prefetch0(Unsafe.AsPointer(ref _slots[index]));

    private unsafe void PrefetchSlot(int index)
    {
        // A 40-byte slot may straddle two lines.
        byte* p = (byte*)Unsafe.AsPointer(ref _slots[index]);
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + Unsafe.SizeOf<NodeSlot>() - 1);
    }

    /// <summary>
    /// Prefetches a node's hot prefix and peer keys, and its peer entries if the coming event <paramref name="readsEntries"/>:
    /// walk steps, forwarded copies and broadcasts read only the bits the peer table keeps for its first
    /// <see cref="PeerTable.MaskedSlots"/> slots (in the node), so for them only the entries past those are fetched.
    /// </summary>
    private void PrefetchNode(int index, bool readsEntries)
    {
        ref NodeSlot slot = ref _slots[index];
        int peers = slot.PeerCount;
        PrefetchBytes(slot.Node, 0, ScampNode.HotPrefixBytes);
        PrefetchBytes(slot.PeerKeys, 0, ArrayHeader + (((peers + 15) & ~15) * sizeof(uint))); // whole blocks of 16, as the key scan reads them
        int from = readsEntries ? 0 : ArrayHeader + (PeerTable.MaskedSlots * PeerEntryBytes);
        PrefetchBytes(slot.PeerEntries, from, ArrayHeader + (peers * PeerEntryBytes));
    }

    private const int ArrayHeader = 16;
    private const int PeerEntryBytes = 8;

    /// <summary>Prefetches bytes [<paramref name="from"/>, <paramref name="to"/>) of an object (from its method-table pointer).</summary>
    private static unsafe void PrefetchBytes(object? target, int from, int to)
    {
        if (target is null)
        {
            return;
        }

        // The object's address; if a GC moves it right after, the hint is merely wasted.
        byte* p = (byte*)Unsafe.As<object, nint>(ref target);
        for (int offset = from; offset < to; offset += 64)
        {
            Sse.Prefetch1(p + offset);
        }
    }

    private void OnConnect(int from, int to)
    {
        if (!IsAlive(from))
        {
            return;
        }

        if (!IsAlive(to))
        {
            _slots[from].Node.HandleConnectionDown(IdOf(to), CloseReason.ConnectFailed, Now);
            Drain(from);
            return;
        }

        if (_slots[from].Node.IsConnected(IdOf(to)))
        {
            // Both ends dialled each other; the other attempt already connected them.
            return;
        }

        if (Separated(from, to))
        {
            LostToPartition++;
            _slots[from].Node.HandleConnectionDown(IdOf(to), CloseReason.ConnectFailed, Now);
            Drain(from);
            return;
        }

        if (TryGetLink(from, to, out _))
        {
            // The initiator had closed the old connection; its close has not reached the target yet. The new
            // connection replaces it, so the target sees the old one go down first.
            _slots[to].Node.HandleConnectionDown(IdOf(from), CloseReason.PeerClosed, Now);
            Drain(to);
        }

        SetLink(from, to);

        _slots[from].Node.HandleConnectionUp(IdOf(to), Now);
        Drain(from);
        _slots[to].Node.HandleConnectionUp(IdOf(from), Now);
        Drain(to);
    }

    private void Drain(int index)
    {
        _drainHandle = -1;
        // Outputs are read in place (each is ~190 bytes); the outbox reuses its byte arena once drained.
        while (_outbox.Count > 0)
        {
            ref readonly NodeOutput output = ref _outbox.Front;
            if (TraceOutputs)
            {
                Trace(index, output);
            }

            OnOutput?.Invoke(index, output);
            int peer = IndexOf(output.Peer);
            switch (output.Kind)
            {
                case OutputKind.Send:
                    if (output.MessageRef.Type == MessageType.Accept)
                    {
                        AcceptsSent++;
                    }

                    if (peer >= 0 && TryGetLinkAt(index, peer, _slots[index].Node.SlotOf(output.Peer, output.PeerSlot), out uint epoch))
                    {
                        ScheduleMessage(index, peer, epoch, output.MessageRef);
                    }

                    break;
                case OutputKind.Connect:
                    if (peer >= 0)
                    {
                        PrefetchReceiver(peer, readsEntries: true); // a connect runs both ends, each a random node by the time it runs
                        PrefetchReceiver(index, readsEntries: true);
                        _queue.Push(new SimEvent { Time = Now + Latency(index, peer), Kind = SimEventKind.Connect, From = index, To = peer });
                    }

                    break;
                case OutputKind.Deliver:
                    Deliveries++;
                    break;
                case OutputKind.JoinFailed:
                    _rejoins.Add(index);
                    break;
                case OutputKind.Close:
                    if (peer >= 0 && TryGetClosingLink(index, peer, out uint closing))
                    {
                        _queue.Push(new SimEvent { Time = Now + Latency(index, peer), Kind = SimEventKind.Close, From = index, To = peer, Epoch = closing, Reason = output.Reason });
                    }

                    break;
            }

            _outbox.Advance();
        }

        if (_rejoins.Count > 0)
        {
            // Acting as the application: a node whose join failed joins again through a random live member.
            int node = _rejoins[^1];
            _rejoins.RemoveAt(_rejoins.Count - 1);
            RejoinThroughRandomMember(node);
        }

        ref NodeSlot slot = ref _slots[index];
        Array? keys = slot.Node.PeerKeys, entries = slot.Node.PeerStorage;
        if (!ReferenceEquals(slot.PeerKeys, keys) || !ReferenceEquals(slot.PeerEntries, entries))
        {
            // (a reference store costs a write barrier; the arrays change only when a table grows)
            slot.PeerKeys = keys;
            slot.PeerEntries = entries;
        }

        slot.PeerCount = slot.Node.PeerCount;
        long t = slot.Node.PollTimeout();
        if (t != long.MaxValue && t != slot.Timer)
        {
            t = Math.Max(t, Now);
            slot.Timer = t;
            _queue.Push(new SimEvent { Time = t, Kind = SimEventKind.Timer, To = index });
        }
    }

    private void RejoinThroughRandomMember(int index)
    {
        int members = 0;
        for (int i = 0; i < _count; i++)
        {
            members += IsRejoinContact(i, index) ? 1 : 0;
        }

        if (members == 0 || !IsAlive(index) || _slots[index].Node.State != NodeState.Member)
        {
            return;
        }

        int k = _random.NextInt(members);
        int contact = -1;
        for (int i = 0; i < _count && contact < 0; i++)
        {
            if (IsRejoinContact(i, index) && k-- == 0)
            {
                contact = i;
            }
        }

        Rejoins++;
        SetLink(index, contact);
        _slots[index].Node.HandleConnectionUp(IdOf(contact), Now);
        Drain(index);
        _slots[contact].Node.HandleConnectionUp(IdOf(index), Now);
        Drain(contact);
        _slots[index].Node.Join(IdOf(contact), Now);
        Drain(index);
        LastActivity = Now;
    }

    /// <summary>A live member other than <paramref name="index"/> that a partition does not keep from it.</summary>
    private bool IsRejoinContact(int i, int index) =>
        i != index && IsAlive(i) && _slots[i].Node.State == NodeState.Member && !Separated(i, index);

    private void ScheduleMessage(int from, int to, uint epoch, in WireMessage message)
    {
        // A walk step, copy or broadcast reads no entries unless the nodes tick (PrefetchNode); an Accept, say, does.
        bool readsEntries = _ticking || message.Type is not (MessageType.Subscribe or MessageType.ForwardedSubscription or MessageType.Broadcast);
        if (!Transmit(from, to, out int copies, readsEntries))
        {
            return;
        }

        // A node fans one message out to many peers (a broadcast forward, a contact's copies): those events share one
        // pool slot, so a broadcast wave over 10^6 nodes holds one message per sender, not one per arc; and messages
        // without byte fields (nearly all of them) take a 32-byte compact slot instead of a 112-byte WireMessage.
        int handle = _drainHandle;
        if (CompactMessage.TryCreate(message, out CompactMessage compact))
        {
            if (handle < 0 || (handle & CompactFlag) == 0 || !_compact[handle & ~CompactFlag].SameAs(compact))
            {
                handle = RentCompact(compact) | CompactFlag;
                _drainHandle = handle;
            }
        }
        else if (handle < 0 || (handle & CompactFlag) != 0 || !SameBits(_messages[handle], message))
        {
            handle = RentMessage(SimMessages.Copy(message));
            _drainHandle = handle;
        }

        Enqueue(from, to, epoch, handle, copies);
    }

    /// <summary>
    /// Whether a message from <paramref name="from"/> to <paramref name="to"/> goes out, and in how many copies: not
    /// across a partition, not if lost, twice if duplicated (draws from the network's generator in that order).
    /// </summary>
    private bool Transmit(int from, int to, out int copies, bool readsEntries)
    {
        copies = 0;
        if (Separated(from, to))
        {
            LostToPartition++;
            return false;
        }

        if (Conditions.LossProbability > 0 && _random.NextDouble() < Conditions.LossProbability)
        {
            return false;
        }

        copies = Conditions.DuplicateProbability > 0 && _random.NextDouble() < Conditions.DuplicateProbability ? 2 : 1;
        PrefetchReceiver(to, readsEntries);
        return true;
    }

    /// <summary>Schedules <paramref name="copies"/> deliveries of the pooled message <paramref name="handle"/>, each with its latency and jitter.</summary>
    private void Enqueue(int from, int to, uint epoch, int handle, int copies)
    {
        for (int i = 0; i < copies; i++)
        {
            long delay = Latency(from, to) + (Conditions.Jitter > 0 ? (long)(_random.NextDouble() * (Conditions.Jitter + 1)) : 0);
            if ((handle & CompactFlag) != 0)
            {
                _compact[handle & ~CompactFlag].Refs++;
            }
            else
            {
                _messageRefs[handle]++;
            }

            _queue.Push(new SimEvent { Time = Now + delay, Kind = SimEventKind.Message, From = from, To = to, Epoch = epoch, Handle = handle });
        }
    }

    /// <summary>
    /// True if both messages are the same bits: then they are the same message (byte fields referring to the same
    /// memory). Differing padding only makes a shareable message not shared.
    /// </summary>
    private static bool SameBits(in WireMessage a, in WireMessage b) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<WireMessage, byte>(ref Unsafe.AsRef(in a)), Unsafe.SizeOf<WireMessage>())
            .SequenceEqual(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<WireMessage, byte>(ref Unsafe.AsRef(in b)), Unsafe.SizeOf<WireMessage>()));

    private int RentMessage(in WireMessage message)
    {
        int handle;
        if (_freeCount > 0)
        {
            handle = _freeMessages[--_freeCount];
        }
        else
        {
            if (_messagesUsed == _messages.Length)
            {
                Array.Resize(ref _messages, _messages.Length * 2);
                Array.Resize(ref _messageRefs, _messages.Length);
                Array.Resize(ref _freeMessages, _messages.Length);
            }

            handle = _messagesUsed++;
        }

        _messages[handle] = message;
        return handle;
    }

    private int RentCompact(in CompactMessage message)
    {
        int index;
        if (_freeCompactCount > 0)
        {
            index = _freeCompact[--_freeCompactCount];
        }
        else
        {
            if (_compactUsed == _compact.Length)
            {
                Array.Resize(ref _compact, _compact.Length * 2);
                Array.Resize(ref _freeCompact, _compact.Length);
            }

            index = _compactUsed++;
        }

        if (index >= CompactFlag)
        {
            throw new InvalidOperationException("Too many messages in flight.");
        }

        _compact[index] = message;
        return index;
    }

    private void ReleaseMessage(int handle)
    {
        if ((handle & CompactFlag) != 0)
        {
            int index = handle & ~CompactFlag;
            if (--_compact[index].Refs == 0)
            {
                _freeCompact[_freeCompactCount++] = index;
            }

            return;
        }

        if (--_messageRefs[handle] > 0)
        {
            return;
        }

        _messages[handle] = default;
        _freeMessages[_freeCount++] = handle;
    }

    /// <summary>
    /// Whether the link a–b is open, and its epoch (the pair's connection generation). Pairs that were never closed
    /// have no record: their link is open exactly when the engines are connected (the harness opens a link before
    /// telling either engine, and an engine forgets a connected peer only by a Close output or after the harness
    /// removed the link, both of which leave a record), so node <paramref name="a"/>, the node being handled, is
    /// asked (then <paramref name="b"/>), and at 10^6 nodes the harness stores nothing per link.
    /// </summary>
    private bool TryGetLink(int a, int b, out uint epoch) => TryGetLinkAt(a, b, _slots[a].Node.SlotOf(IdOf(b)), out epoch);

    /// <summary>As <see cref="TryGetLink"/>, with <paramref name="b"/>'s slot in <paramref name="a"/>'s table already looked up.</summary>
    private bool TryGetLinkAt(int a, int b, int slotInA, out uint epoch)
    {
        if (_records.Count > 0 && _records.TryGetValue(LinkKey(a, b), out uint record))
        {
            epoch = record >> 1;
            return (record & 1) != 0;
        }

        // The other end is asked only when a is not connected: a node drained right after it sent to a peer and then
        // forgot it in the same input (a leave, a violation) must still have that message delivered.
        epoch = 0;
        return _slots[a].Node.IsConnectedAt(slotInA) || _slots[b].Node.IsConnected(IdOf(a));
    }

    /// <summary>
    /// As <see cref="TryGetLink"/> for a link whose end <paramref name="closer"/> has just forgotten the other (its Close
    /// output): the other end vouches for it, and a record is made since the closer no longer can.
    /// </summary>
    private bool TryGetClosingLink(int closer, int peer, out uint epoch)
    {
        ulong key = LinkKey(closer, peer);
        if (_records.TryGetValue(key, out uint record))
        {
            epoch = record >> 1;
            return (record & 1) != 0;
        }

        epoch = 0;
        if (!_slots[peer].Node.IsConnected(IdOf(closer)))
        {
            return false;
        }

        _records.Set(key, 1); // generation 0, open
        return true;
    }

    /// <summary>Opens a link (a new connection: messages and closes of an older one between the pair are dropped).</summary>
    private void SetLink(int a, int b)
    {
        ulong key = LinkKey(a, b);
        if (_records.TryGetValue(key, out uint record))
        {
            LinkCount += (record & 1) == 0 ? 1 : 0;
            _records.Set(key, ((record >> 1) + 1) << 1 | 1);
        }
        else if (_slots[a].Node.IsConnected(IdOf(b)) || _slots[b].Node.IsConnected(IdOf(a)))
        {
            _records.Set(key, (1u << 1) | 1); // replaces the pair's first connection
        }
        else
        {
            LinkCount++;
        }
    }

    private void RemoveLink(int a, int b)
    {
        ulong key = LinkKey(a, b);
        uint generation = _records.TryGetValue(key, out uint record) ? record >> 1 : 0;
        _records.Set(key, generation << 1); // closed; a later connection is the next generation
        LinkCount--;
    }

    /// <summary>
    /// Everything the harness keeps per node, in one 40-byte array element so an event reads one line of it: the node,
    /// its timer, whether it is alive, and the node's peer-table arrays and size as of its last drained input (for
    /// prefetching only: a stale array is a wasted hint).
    /// </summary>
    private struct NodeSlot
    {
        public ScampNode Node;
        public Array? PeerKeys;
        public Array? PeerEntries;
        public long Timer;
        public int PeerCount;
        public bool Alive;
    }

    private long Latency(int a, int b)
    {
        ulong x = _seed ^ (LinkKey(a, b) * 0xD1B54A32D192ED03UL);
        long span = Conditions.MaxLatency - Conditions.MinLatency + 1;
        return Conditions.MinLatency + (long)(Xoshiro256StarStar.SplitMix64(ref x) % (ulong)Math.Max(1, span));
    }

    private static ulong LinkKey(int a, int b) => a < b ? ((ulong)(uint)a << 32) | (uint)b : ((ulong)(uint)b << 32) | (uint)a;

    private void Trace(int index, in NodeOutput output)
    {
        Mix((ulong)Now);
        Mix((ulong)index);
        Mix((ulong)output.Kind | ((ulong)output.Reason << 8) | ((ulong)output.Change << 16));
        Mix(output.Peer.High);
        Mix(output.Peer.Low);
        if (output.Kind is OutputKind.Send or OutputKind.Deliver)
        {
            // The message exactly as it would go on the wire.
            _encoded.ResetWrittenCount();
            MessageCodec.Write(_encoded, output.MessageRef, s_traceLimits);
            foreach (byte b in _encoded.WrittenSpan)
            {
                _trace ^= b;
                _trace *= 1099511628211UL;
            }
        }
    }

    private void Mix(ulong value)
    {
        for (int i = 0; i < 8; i++)
        {
            _trace ^= (byte)(value >> (8 * i));
            _trace *= 1099511628211UL;
        }
    }
}
