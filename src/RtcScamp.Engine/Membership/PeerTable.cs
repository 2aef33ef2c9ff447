// Per-node connection and arc table. One compact entry per peer (24 bytes) holds both the connection state and the
// arcs it carries, so PartialView ∪ InView is one array: a walk step picks uniformly from it without building a union,
// and a 10⁶-node simulation pays ~1.2 KB per node for views of ~2·ln n.
//
//   flags: Connecting ──up──> Connected ──down/close──> (entry removed)
//          PendingOut ──up──> PartialView      (arc this→peer: a kept subscription or a replacement)
//          PendingIn  ──up──> InView           (arc peer→this: the contact arc of a joining peer)
using System.Runtime.CompilerServices;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine.Membership;

/// <summary>State bits of one peer entry.</summary>
[Flags]
internal enum PeerFlags : ushort
{
    None = 0,

    /// <summary>The connection is up.</summary>
    Connected = 1,

    /// <summary>We asked the driver to connect and wait for the result.</summary>
    Connecting = 2,

    /// <summary>Arc this→peer (peer ∈ PartialView).</summary>
    PartialView = 4,

    /// <summary>Arc peer→this (peer ∈ InView).</summary>
    InView = 8,

    /// <summary>Arc this→peer to be made once connected (then Accept(this, peer) is sent).</summary>
    PendingOut = 16,

    /// <summary>Arc peer→this to be made once connected (then Accept(peer, this) is sent).</summary>
    PendingIn = 32,

    /// <summary>An in-arc made before the current lease resubscription (released after the overlap).</summary>
    OldInView = 64,

    /// <summary>Something was sent to the peer since the last heartbeat tick.</summary>
    SentThisTick = 128,

    /// <summary>The peer's Hello arrived.</summary>
    HelloReceived = 256,

    /// <summary>Arc flags: the entry is used by the overlay.</summary>
    Arcs = PartialView | InView | PendingOut | PendingIn,
}

/// <summary>One peer: 16-byte id, flags, and tick counters (so no per-peer timestamps are needed).</summary>
internal struct Peer
{
    public NodeId Id;
    public PeerFlags Flags;

    /// <summary>Heartbeat ticks since anything was received (or since the connect attempt started).</summary>
    public byte SilentTicks;

    /// <summary>Heartbeat ticks the entry has been without arcs.</summary>
    public byte IdleTicks;

    /// <summary>Messages received from the peer in the current tick (flood guard; saturates).</summary>
    public ushort TickMessages;

    /// <summary>Flags of the subscription a pending arc comes from (echoed in its Accept).</summary>
    public SubscribeFlags PendingFlags;

    public readonly bool Has(PeerFlags flags) => (Flags & flags) != 0;
}

/// <summary>A growable array of <see cref="Peer"/> entries with swap-remove; order is deterministic.</summary>
internal struct PeerTable
{
    private Peer[]? _items;
    private int _count;

    public readonly int Count => _count;

    /// <summary>The backing array (null while empty), for a simulator's cache prefetch only.</summary>
    internal readonly Peer[]? Storage => _items;

    public readonly ref Peer this[int slot] => ref _items![slot];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Find(NodeId id)
    {
        Peer[]? items = _items;
        if (items is null)
        {
            return -1;
        }

        ulong high = id.High;
        ulong low = id.Low;
        for (int i = 0; i < _count; i++)
        {
            ref readonly NodeId candidate = ref items[i].Id;
            if (candidate.Low == low && candidate.High == high)
            {
                return i;
            }
        }

        return -1;
    }

    public int Add(NodeId id)
    {
        if (_items is null)
        {
            _items = new Peer[4];
        }
        else if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_count] = new Peer { Id = id };
        return _count++;
    }

    /// <summary>Removes a slot by moving the last entry into it (callers iterating must go backwards).</summary>
    public void RemoveAt(int slot)
    {
        _count--;
        _items![slot] = _items[_count];
        _items[_count] = default;
    }
}
