// Per-node connection and arc table. One compact entry per peer (8 bytes) holds both the connection state and the
// arcs it carries, so PartialView ∪ InView is one array: a walk step picks uniformly from it without building a union.
// Beside it, a 32-bit lookup key per peer, and the 16-byte ids only where the keys cannot stand for them (below): a
// 10⁶-node simulation pays 12 bytes per peer for views of ~2·(c+1)·ln n. The Connected, PartialView and InView flags
// of the first 64 slots are also kept as bit masks in the table itself, so in a node without heartbeats (a simulated
// one) a walk step, forwarded copy or broadcast reads only the keys array and the node, whose lines can be prefetched.
//
//   flags: Connecting ──up──> Connected ──down/close──> (entry removed)
//          PendingOut ──up──> PartialView      (arc this→peer: a kept subscription or a replacement)
//          PendingIn  ──up──> InView           (arc peer→this: the contact arc of a joining peer)
using System.Diagnostics;
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

/// <summary>One peer's state (8 bytes): flags and tick counters, so no per-peer timestamps are needed. The id is kept by the table.</summary>
internal struct Peer
{
    public PeerFlags Flags;

    /// <summary>Messages received from the peer in the current tick (flood guard; saturates).</summary>
    public ushort TickMessages;

    /// <summary>Heartbeat ticks since anything was received (or since the connect attempt started).</summary>
    public byte SilentTicks;

    /// <summary>Heartbeat ticks the entry has been without arcs.</summary>
    public byte IdleTicks;

    /// <summary>Flags of the subscription a pending arc comes from (echoed in its Accept).</summary>
    public SubscribeFlags PendingFlags;

    public readonly bool Has(PeerFlags flags) => (Flags & flags) != 0;
}

/// <summary>
/// A growable table of peers with swap-remove; order is deterministic. Each peer has an 8-byte <see cref="Peer"/> entry
/// and a 32-bit key, the xor of the id's four 32-bit words, which <see cref="Find"/> scans sixteen per 512-bit compare (eight per 256-bit).
/// <para>
/// Keys may collide, so in general a key match is confirmed against the full id, kept in a third array. But while
/// every id in the table has the same high word and a low word below 2³² (a simulator's ids, <c>(tag, index + 1)</c>),
/// the key is the low word xor a constant: distinct ids have distinct keys, the key alone decides a lookup, and the id
/// is rebuilt from it, so no id array is kept at all (<see cref="IdAt"/>), and a lookup for an id that breaks the rule
/// fails at once. The first id added that breaks it (any random 128-bit id does) brings the id array back, filled from
/// the keys, until the table is next empty. Either way a lookup answers exactly as a comparison of full ids would.
/// </para>
/// </summary>
internal struct PeerTable
{
    private const int Block = 8;
    private const int KeyBlock = 16;
    private const int SmallTable = 12;
    private Peer[]? _items;
    private uint[]? _keys;

    /// <summary>The full ids, or null while the keys stand for them (every id is (<see cref="_high"/>, low &lt; 2³²)).</summary>
    private NodeId[]? _ids;
    private ulong _high;
    private int _count;
    private readonly int _initialCapacity;

    // The flags of MaskedFlags again, as one bit per slot for the first MaskedSlots slots: the checks and random draws
    // of a message handler (is the sender connected, is this slot in the PartialView) then read the node's own fields,
    // not the entries, so a simulator need not bring a table's entries into cache for most messages. The entries stay
    // the record; SetFlags/ClearFlags/RemoveAt/Add keep the bits equal to them (BitsAgree checks it).
    private ulong _connectedBits;
    private ulong _partialViewBits;
    private ulong _inViewBits;

    /// <summary>An empty table whose arrays, allocated with the first peer, hold <paramref name="initialCapacity"/> entries (at least a block).</summary>
    public PeerTable(int initialCapacity) => _initialCapacity = (Math.Max(Block, initialCapacity) + Block - 1) / Block * Block;

    public readonly int Count => _count;

    /// <summary>The key array (null while empty), for a simulator's cache prefetch only.</summary>
    internal readonly uint[]? Keys => _keys;

    /// <summary>The entry array (null while empty), for a simulator's cache prefetch only.</summary>
    internal readonly Peer[]? Storage => _items;

    /// <summary>True while the keys stand for the ids (no id array is kept).</summary>
    internal readonly bool KeysAreIds => _ids is null;

    public readonly ref Peer this[int slot] => ref _items![slot];

    /// <summary>
    /// The flags also kept as bits per slot (<see cref="Has(int, PeerFlags)"/>): change them only with
    /// <see cref="SetFlags"/> and <see cref="ClearFlags"/> (Add and RemoveAt keep the bits too), never on an entry directly.
    /// </summary>
    internal const PeerFlags MaskedFlags = PeerFlags.Connected | PeerFlags.PartialView | PeerFlags.InView;

    /// <summary>Slots whose <see cref="MaskedFlags"/> are kept as bits; later slots are read from their entries.</summary>
    internal const int MaskedSlots = 64;

    /// <summary>
    /// True if the entry at <paramref name="slot"/> has any of <paramref name="flags"/> (a subset of
    /// <see cref="MaskedFlags"/>): for the first <see cref="MaskedSlots"/> slots without reading the entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Has(int slot, PeerFlags flags)
    {
        Debug.Assert((flags & ~MaskedFlags) == 0 && (uint)slot < (uint)_count, "masked flags of a slot in the table");
        if ((uint)slot < MaskedSlots)
        {
            return ((BitsOf(flags) >> slot) & 1) != 0;
        }

        return _items![slot].Has(flags);
    }

    /// <summary>Sets <paramref name="flags"/> on the entry at <paramref name="slot"/>, keeping the bits of the masked ones.</summary>
    public void SetFlags(int slot, PeerFlags flags)
    {
        _items![slot].Flags |= flags;
        SyncBits(slot);
    }

    /// <summary>Clears <paramref name="flags"/> on the entry at <paramref name="slot"/>, keeping the bits of the masked ones.</summary>
    public void ClearFlags(int slot, PeerFlags flags)
    {
        _items![slot].Flags &= ~flags;
        SyncBits(slot);
    }

    /// <summary>True if the bits of <see cref="MaskedFlags"/> equal the entries' flags (a check for tests).</summary>
    internal readonly bool BitsAgree()
    {
        for (int slot = 0; slot < MaskedSlots; slot++)
        {
            PeerFlags flags = slot < _count ? _items![slot].Flags & MaskedFlags : PeerFlags.None;
            foreach (PeerFlags flag in (ReadOnlySpan<PeerFlags>)[PeerFlags.Connected, PeerFlags.PartialView, PeerFlags.InView])
            {
                if ((((BitsOf(flag) >> slot) & 1) != 0) != ((flags & flag) != 0))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ulong BitsOf(PeerFlags flags) =>
        ((flags & PeerFlags.Connected) != 0 ? _connectedBits : 0)
        | ((flags & PeerFlags.PartialView) != 0 ? _partialViewBits : 0)
        | ((flags & PeerFlags.InView) != 0 ? _inViewBits : 0);

    /// <summary>Makes the bits of <paramref name="slot"/> those of its entry (none past the count).</summary>
    private void SyncBits(int slot)
    {
        if ((uint)slot >= MaskedSlots)
        {
            return;
        }

        PeerFlags flags = slot < _count ? _items![slot].Flags : PeerFlags.None;
        ulong bit = 1UL << slot;
        _connectedBits = (flags & PeerFlags.Connected) != 0 ? _connectedBits | bit : _connectedBits & ~bit;
        _partialViewBits = (flags & PeerFlags.PartialView) != 0 ? _partialViewBits | bit : _partialViewBits & ~bit;
        _inViewBits = (flags & PeerFlags.InView) != 0 ? _inViewBits | bit : _inViewBits & ~bit;
    }

    /// <summary>The id of the peer at <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly NodeId IdAt(int slot)
    {
        Debug.Assert((uint)slot < (uint)_count, "a slot of the table");
        NodeId[]? ids = _ids;
        if (ids is not null)
        {
            return ids[slot];
        }

        // _keys[slot] = low ^ Fold(_high), low < 2^32.
        return new NodeId(_high, _keys![slot] ^ Fold(_high));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Find(NodeId id)
    {
        uint[]? keys = _keys;
        if (keys is null || _count == 0)
        {
            return -1;
        }

        bool exact = _ids is null;
        if (exact && (id.High != _high || (id.Low >> 32) != 0))
        {
            // Every id in the table has this high word and a 32-bit low word: one that does not is not here.
            return -1;
        }

        uint key = KeyOf(id);
        int count = _count;
        if (count <= SmallTable)
        {
            // A runtime node's table of a handful of peers: a plain loop is cheaper than a key vector.
            for (int i = 0; i < count; i++)
            {
                if (keys[i] == key && (exact || _ids![i] == id))
                {
                    return i;
                }
            }

            return -1;
        }

        return exact ? FindKey(key, keys, count) : FindByKey(id, key, keys, _ids!, count);
    }

    /// <summary>
    /// The scan while the keys stand for the ids: a leaf with no id to confirm, so it makes no call and spills nothing
    /// (<see cref="FindByKey"/>, which confirms, saves six registers and keeps its key vector on the stack on every call).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FindKey(uint key, uint[] keys, int count)
    {
        ref uint start = ref MemoryMarshal.GetArrayDataReference(keys);
        if (Vector512.IsHardwareAccelerated && count <= 64 && count > KeyBlock)
        {
            // 17 to 64 peers (a large simulation's tables): two to four compares, one per block of keys in use, and
            // no loop, so no branch on where the key is (the loop's exit, mostly mispredicted, cost ~6 % of a
            // simulated event in cache). Only the blocks the count reaches are read: a simulator prefetches those.
            var all = Vector512.Create(key);
            ulong bits = Vector512.Equals(Vector512.LoadUnsafe(ref start), all).ExtractMostSignificantBits()
                | (Vector512.Equals(Vector512.LoadUnsafe(ref start, KeyBlock), all).ExtractMostSignificantBits() << 16);
            if (count > 2 * KeyBlock)
            {
                bits |= Vector512.Equals(Vector512.LoadUnsafe(ref start, 2 * KeyBlock), all).ExtractMostSignificantBits() << 32;
                if (count > 3 * KeyBlock)
                {
                    bits |= Vector512.Equals(Vector512.LoadUnsafe(ref start, 3 * KeyBlock), all).ExtractMostSignificantBits() << 48;
                }
            }

            bits &= ulong.MaxValue >> (64 - count); // the keys past the count (to the block's end) are unused, 0
            return bits != 0 ? BitOperations.TrailingZeroCount(bits) : -1;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            var wide = Vector512.Create(key);
            for (int i = 0; i < count; i += KeyBlock)
            {
                uint mask = (uint)Vector512.Equals(Vector512.LoadUnsafe(ref start, (nuint)i), wide).ExtractMostSignificantBits();
                if (mask != 0)
                {
                    int slot = i + BitOperations.TrailingZeroCount(mask);
                    return slot < count ? slot : -1;
                }
            }

            return -1;
        }

        var wanted = Vector256.Create(key);
        for (int i = 0; i < count; i += KeyBlock / 2)
        {
            uint mask = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), wanted).ExtractMostSignificantBits();
            if (mask != 0)
            {
                int slot = i + BitOperations.TrailingZeroCount(mask);
                return slot < count ? slot : -1;
            }
        }

        return -1;
    }

    /// <summary>
    /// The scan for tables of more than <see cref="SmallTable"/> peers whose ids are kept (<see cref="FindKey"/> while
    /// the keys stand for them), kept out of the inlined fast path: each key match is confirmed against the id.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FindByKey(NodeId id, uint key, uint[] keys, NodeId[] ids, int count)
    {
        // The key array's length is a multiple of KeyBlock, so whole vectors can be loaded; bits past _count are masked
        // off.
        ref uint start = ref MemoryMarshal.GetArrayDataReference(keys);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var wide = Vector512.Create(key);
            for (; i < count; i += KeyBlock)
            {
                uint mask = (uint)Vector512.Equals(Vector512.LoadUnsafe(ref start, (nuint)i), wide).ExtractMostSignificantBits();
                if (count - i < KeyBlock)
                {
                    mask &= (1u << (count - i)) - 1;
                }

                int slot = Confirm(mask, i, id, ids);
                if (slot >= 0)
                {
                    return slot;
                }
            }

            return -1;
        }

        var wanted = Vector256.Create(key);
        for (; i < count; i += KeyBlock / 2)
        {
            uint mask = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), wanted).ExtractMostSignificantBits();
            if (count - i < KeyBlock / 2)
            {
                mask &= (1u << (count - i)) - 1;
            }

            int slot = Confirm(mask, i, id, ids);
            if (slot >= 0)
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>
    /// The first slot among the key matches in <paramref name="mask"/> (bit k: slot i + k) that holds <paramref name="id"/>,
    /// or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Confirm(uint mask, int i, NodeId id, NodeId[] ids)
    {
        while (mask != 0)
        {
            int slot = i + BitOperations.TrailingZeroCount(mask);
            if (ids[slot] == id)
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
            _keys = new uint[KeysFor(size)];
        }
        else if (_count == _items.Length)
        {
            // Growth by a block (an eighth past 64 entries, rounded to whole blocks) keeps the unused tail of 10^6
            // tables to a few entries (growth by a quarter, with tables sized for the mean degree, left 6 % more live
            // data at 10^6: 2 320 vs 2 189 MiB). The copies this costs are a few per table.
            int size = _items.Length + Math.Max(Block, (_items.Length / 8 + Block - 1) / Block * Block);
            Array.Resize(ref _items, size);
            if (KeysFor(size) > _keys!.Length)
            {
                Array.Resize(ref _keys, KeysFor(size));
            }

            if (_ids is not null)
            {
                Array.Resize(ref _ids, size);
            }
        }

        bool fits = (id.Low >> 32) == 0;
        if (_count == 0)
        {
            // An empty table starts over: without ids if this one fits the rule.
            _high = id.High;
            _ids = fits ? null : _ids ?? new NodeId[_items.Length];
        }
        else if (_ids is null && (!fits || id.High != _high))
        {
            // The first id that breaks the rule: from now on the ids are kept, rebuilt from the keys.
            var ids = new NodeId[_items.Length];
            for (int i = 0; i < _count; i++)
            {
                ids[i] = IdAt(i);
            }

            _ids = ids;
        }

        _items[_count] = default;
        _keys![_count] = KeyOf(id);
        if (_ids is not null)
        {
            _ids[_count] = id;
        }

        int slot = _count++;
        SyncBits(slot);
        return slot;
    }

    /// <summary>Removes a slot by moving the last entry into it (callers iterating must go backwards).</summary>
    public void RemoveAt(int slot)
    {
        _count--;
        _items![slot] = _items[_count];
        _items[_count] = default;
        _keys![slot] = _keys[_count];
        _keys[_count] = 0;
        if (_ids is not null)
        {
            _ids[slot] = _ids[_count];
            _ids[_count] = default;
        }

        SyncBits(slot);
        SyncBits(_count);
    }

    private static int KeysFor(int entries) => (entries + KeyBlock - 1) / KeyBlock * KeyBlock;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fold(ulong word) => (uint)word ^ (uint)(word >> 32);

    /// <summary>An id's key: for ids (h, low) with low &lt; 2³², low ^ KeyOf((h, 0)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint KeyOf(NodeId id) => Fold(id.Low) ^ Fold(id.High);
}
