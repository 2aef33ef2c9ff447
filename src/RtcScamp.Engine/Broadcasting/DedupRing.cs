// Broadcast duplicate suppression (DESIGN.md "Broadcast"): remembers the last Capacity distinct MessageIds.
//
//   ring (insertion order, fixed size)          index (open addressing, linear probing, 2^k >= 2·Capacity slots)
//   ┌────┬────┬────┬────┐                       ┌───┬───┬───┬───┬───┬───┬───┬───┐
//   │ id │ id │ id │ id │ <- _next: oldest,     │ 0 │ 3 │ 1 │ 0 │ 4 │ 0 │ 2 │ 0 │  value = ring position + 1,
//   └────┴────┴────┴────┘    overwritten next   └───┴───┴───┴───┴───┴───┴───┴───┘  0 = empty
//
// Insert: if full, the oldest id is removed from the index by backward-shift deletion (no tombstones, so probe
// lengths never degrade), then the new id takes its ring position. Lookup, insert and evict are O(1) expected;
// the load factor never exceeds 1/2. Nothing is allocated after construction.
//
// Window: an id stays remembered while fewer than Capacity distinct ids have been inserted after it. A duplicate
// that arrives after its id left the ring is indistinguishable from a new broadcast: it is delivered to the
// application again and forwarded again (its hop count still bounds that second wave). docs/engine.md says how
// to size Capacity so that this cannot happen within hop-limit × max-latency at a given broadcast rate.
using RtcScamp.Wire;

namespace RtcScamp.Engine.Broadcasting;

/// <summary>
/// A fixed-capacity set of the most recently seen <see cref="MessageId"/>s: a ring buffer in insertion order plus an
/// open-addressing index. O(1) lookup/insert/evict, bounded memory (about 32 bytes per entry), no allocation after
/// construction.
/// </summary>
public sealed class DedupRing
{
    private readonly MessageId[] _ring;
    private readonly int[] _index;
    private readonly int _mask;
    private int _count;
    private int _next;

    /// <summary>Creates a ring remembering the last <paramref name="capacity"/> ids (at least 1).</summary>
    public DedupRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 28);
        _ring = new MessageId[capacity];
        int slots = 4;
        while (slots < 2 * capacity)
        {
            slots <<= 1;
        }

        _index = new int[slots];
        _mask = slots - 1;
    }

    /// <summary>How many ids the ring remembers at most.</summary>
    public int Capacity => _ring.Length;

    /// <summary>How many ids it remembers now (never more than <see cref="Capacity"/>).</summary>
    public int Count => _count;

    /// <summary>Number of index slots (for tests of the load-factor bound).</summary>
    internal int IndexSlots => _index.Length;

    /// <summary>True if <paramref name="id"/> is among the remembered ids.</summary>
    public bool Contains(in MessageId id) => Find(id) >= 0;

    /// <summary>
    /// Remembers <paramref name="id"/> and returns true, or returns false if it is already remembered (nothing changes
    /// then). When the ring is full the oldest id is forgotten first.
    /// </summary>
    public bool TryAdd(in MessageId id)
    {
        int slot = Home(id);
        while (true)
        {
            int value = _index[slot];
            if (value == 0)
            {
                break;
            }

            if (_ring[value - 1] == id)
            {
                return false;
            }

            slot = (slot + 1) & _mask;
        }

        if (_count == _ring.Length)
        {
            // The slot found above may move when the oldest id is deleted: delete first, then probe again.
            Delete(FindSlotOfPosition(_next));
            _count--;
            slot = Home(id);
            while (_index[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }
        }

        _ring[_next] = id;
        _index[slot] = _next + 1;
        _next = _next + 1 == _ring.Length ? 0 : _next + 1;
        _count++;
        return true;
    }

    /// <summary>
    /// A ring of <paramref name="capacity"/> (at least <see cref="Count"/>) holding the same ids, inserted oldest
    /// first, so it forgets them in the same order this one would have. A node grows its ring this way from one id up
    /// to its configured capacity (a 10⁶-node simulation with one broadcast pays ~120 bytes per node, not ~130 KB).
    /// </summary>
    internal DedupRing Grown(int capacity)
    {
        var grown = new DedupRing(Math.Max(capacity, _count));
        int oldest = _count == _ring.Length ? _next : 0;
        for (int i = 0; i < _count; i++)
        {
            int position = oldest + i;
            grown.TryAdd(_ring[position >= _ring.Length ? position - _ring.Length : position]);
        }

        return grown;
    }

    private int Home(in MessageId id) => id.GetHashCode() & _mask;

    private int Find(in MessageId id)
    {
        int slot = Home(id);
        while (true)
        {
            int value = _index[slot];
            if (value == 0)
            {
                return -1;
            }

            if (_ring[value - 1] == id)
            {
                return slot;
            }

            slot = (slot + 1) & _mask;
        }
    }

    private int FindSlotOfPosition(int position)
    {
        int slot = Home(_ring[position]);
        while (_index[slot] != position + 1)
        {
            slot = (slot + 1) & _mask;
        }

        return slot;
    }

    // Backward-shift deletion for linear probing (Knuth, TAOCP vol. 3, §6.4, Algorithm R): pull later entries of
    // the same probe run into the hole so that every remaining entry stays reachable from its home slot.
    private void Delete(int hole)
    {
        int j = hole;
        while (true)
        {
            j = (j + 1) & _mask;
            int value = _index[j];
            if (value == 0)
            {
                break;
            }

            int home = Home(_ring[value - 1]);
            bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable)
            {
                _index[hole] = value;
                hole = j;
            }
        }

        _index[hole] = 0;
    }
}
