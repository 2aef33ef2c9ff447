// Per-node connection and arc table. One compact entry per peer (24 bytes) holds both the connection state and the
// arcs it carries, so PartialView ∪ InView is one array: a walk step picks uniformly from it without building a union,
// and a 10⁶-node simulation pays ~26 bytes per peer (entry + 2-byte lookup key) for views of ~2·(c+1)·ln n.
//
//   flags: Connecting ──up──> Connected ──down/close──> (entry removed)
//          PendingOut ──up──> PartialView      (arc this→peer: a kept subscription or a replacement)
//          PendingIn  ──up──> InView           (arc peer→this: the contact arc of a joining peer)
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    /// <summary>The peer sent an Unsubscribe: it is leaving, and lingers only to relay what reaches it.</summary>
    Leaving = 512,

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

/// <summary>
/// A growable array of <see cref="Peer"/> entries with swap-remove; order is deterministic. Beside the entries a
/// parallel array holds a 16-bit key per entry (the id's 16-bit words xor-folded), so <see cref="Find"/> scans
/// 2 bytes per peer, sixteen at a time, and reads a 24-byte entry only to confirm a key match: a lookup in a
/// 50-peer table touches 2 cache lines instead of 19. Keys may collide (a crafted id can only make the scan confirm
/// more candidates); the full id decides.
/// </summary>
internal struct PeerTable
{
    private const int Block = 8;
    private const int KeyBlock = 16;
    private const int SmallTable = 12;
    private Peer[]? _items;
    private ushort[]? _keys;
    private int _count;
    private readonly int _initialCapacity;

    /// <summary>An empty table whose arrays, allocated with the first peer, hold <paramref name="initialCapacity"/> entries (at least a block).</summary>
    public PeerTable(int initialCapacity) => _initialCapacity = (Math.Max(Block, initialCapacity) + Block - 1) / Block * Block;

    public readonly int Count => _count;

    /// <summary>The key array (null while empty), for a simulator's cache prefetch only.</summary>
    internal readonly ushort[]? Keys => _keys;

    /// <summary>The entry array (null while empty), for a simulator's cache prefetch only.</summary>
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

        int count = _count;
        if (count <= SmallTable)
        {
            // A runtime node's table of a handful of peers: comparing the ids directly is cheaper than a key vector.
            for (int i = 0; i < count; i++)
            {
                ref readonly NodeId candidate = ref items[i].Id;
                if (candidate.Low == id.Low && candidate.High == id.High)
                {
                    return i;
                }
            }

            return -1;
        }

        return FindByKey(id, items, count);
    }

    /// <summary>The scan for tables of more than <see cref="SmallTable"/> peers, kept out of the inlined fast path.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly int FindByKey(NodeId id, Peer[] items, int count)
    {
        ushort[] keys = _keys!;

        // The key array's length is a multiple of KeyBlock, so whole vectors can be loaded; bits past _count are masked
        // off.
        ushort key = KeyOf(id);
        ref ushort start = ref MemoryMarshal.GetArrayDataReference(keys);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Two key blocks per compare while both lie within the array.
            var wide = Vector512.Create(key);
            for (; i < count && i + (2 * KeyBlock) <= keys.Length; i += 2 * KeyBlock)
            {
                ulong mask = Vector512.Equals(Vector512.LoadUnsafe(ref start, (nuint)i), wide).ExtractMostSignificantBits();
                if (count - i < 2 * KeyBlock)
                {
                    mask &= (1UL << (count - i)) - 1;
                }

                int slot = Confirm(mask, i, id, items);
                if (slot >= 0)
                {
                    return slot;
                }
            }
        }

        var wanted = Vector256.Create(key);
        for (; i < count; i += KeyBlock)
        {
            uint mask = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), wanted).ExtractMostSignificantBits();
            if (count - i < KeyBlock)
            {
                mask &= (1u << (count - i)) - 1;
            }

            int slot = Confirm(mask, i, id, items);
            if (slot >= 0)
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>The first slot among the key matches in <paramref name="mask"/> (bit k: slot i + k) that holds <paramref name="id"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Confirm(ulong mask, int i, NodeId id, Peer[] items)
    {
        while (mask != 0)
        {
            int slot = i + BitOperations.TrailingZeroCount(mask);
            ref readonly NodeId candidate = ref items[slot].Id;
            if (candidate.Low == id.Low && candidate.High == id.High)
            {
                return slot;
            }

            mask &= mask - 1;
        }

        return -1;
    }

    public int Add(NodeId id)
    {
        if (_items is null)
        {
            int size = Math.Max(Block, _initialCapacity);
            _items = new Peer[size];
            _keys = new ushort[(size + KeyBlock - 1) / KeyBlock * KeyBlock];
        }
        else if (_count == _items.Length)
        {
            // Growth by a block (an eighth past 64 entries, rounded to whole blocks) keeps the unused tail of 10^6
            // tables to a few entries (growth by a quarter, with tables sized for the mean degree, left 6 % more live
            // data at 10^6: 2 320 vs 2 189 MiB). The copies this costs are a few per table.
            int size = _items.Length + Math.Max(Block, (_items.Length / 8 + Block - 1) / Block * Block);
            Array.Resize(ref _items, size);
            if (size > _keys!.Length)
            {
                Array.Resize(ref _keys, (size + KeyBlock - 1) / KeyBlock * KeyBlock);
            }
        }

        _items[_count] = new Peer { Id = id };
        _keys![_count] = KeyOf(id);
        return _count++;
    }

    /// <summary>Removes a slot by moving the last entry into it (callers iterating must go backwards).</summary>
    public void RemoveAt(int slot)
    {
        _count--;
        _items![slot] = _items[_count];
        _items[_count] = default;
        _keys![slot] = _keys[_count];
        _keys[_count] = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort KeyOf(NodeId id)
    {
        ulong x = id.Low ^ id.High;
        x ^= x >> 32;
        return (ushort)(x ^ (x >> 16));
    }
}
