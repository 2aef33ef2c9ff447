// Broadcast duplicate suppression (DESIGN.md "Broadcast"): remembers the last Capacity distinct MessageIds.
//
//   ring (insertion order, fixed size)          index (open addressing, linear probing, 2^k >= 2·Capacity slots)
//   ┌────┬────┬────┬────┐                       ┌───┬───┬───┬───┬───┬───┬───┬───┐
//   │ id │ id │ id │ id │ <- _next: oldest,     │ 0 │ 3 │ 1 │ 0 │ 4 │ 0 │ 2 │ 0 │  value = ring position + 1,
//   └────┴────┴────┴────┘    overwritten next   └───┴───┴───┴───┴───┴───┴───┴───┘  0 = empty
//
// Insert: if full, the oldest id is removed from the index by backward-shift deletion (no tombstones, so probe
// lengths never degrade), then the new id takes its ring position. Lookup, insert and evict are O(1) expected;
// the load factor never exceeds 1/2. The arrays start at one id and double (ring and index rebuilt) while fewer than
// Capacity ids have been inserted, so a node that sees few broadcasts (a 10^6-node simulation: one) pays ~120 bytes,
// not Capacity × 32; once Capacity ids were inserted nothing is allocated again. Growing never forgets an id, so
// which ids are remembered is exactly that of a ring allocated at full size.
//
// Window: an id stays remembered while fewer than Capacity distinct ids have been inserted after it. A duplicate
// that arrives after its id left the ring is indistinguishable from a new broadcast: it is delivered to the
// application again and forwarded again (its hop count still bounds that second wave). docs/engine.md says how
// to size Capacity so that this cannot happen within hop-limit × max-latency at a given broadcast rate.
using RtcScamp.Wire;

namespace RtcScamp.Engine.Broadcasting;

/// <summary>
/// A fixed-capacity set of the most recently seen <see cref="MessageId"/>s: a ring buffer in insertion order plus an
/// open-addressing index. O(1) lookup/insert/evict, bounded memory (about 32 bytes per entry), allocated as it fills
/// and never again once <see cref="Capacity"/> ids were inserted.
/// </summary>
public sealed class DedupRing
{
    private readonly int _capacity;
    private MessageId[] _ring;
    private int[] _index;
    private int _mask;
    private int _count;
    private int _next;

    /// <summary>Creates a ring remembering the last <paramref name="capacity"/> ids (at least 1).</summary>
    public DedupRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 28);
        _capacity = capacity;
        _ring = new MessageId[1];
        _index = new int[IndexSlotsFor(1)];
        _mask = _index.Length - 1;
    }

    /// <summary>How many ids the ring remembers at most.</summary>
    public int Capacity => _capacity;

    /// <summary>How many ids the arrays hold now (grows to <see cref="Capacity"/> as ids are inserted).</summary>
    public int AllocatedCapacity => _ring.Length;

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

        if (_count == _ring.Length && _count < _capacity)
        {
            Grow();
            slot = Home(id);
            while (_index[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }
        }
        else if (_count == _ring.Length)
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

    private static int IndexSlotsFor(int capacity)
    {
        int slots = 4;
        while (slots < 2 * capacity)
        {
            slots <<= 1;
        }

        return slots;
    }

    /// <summary>
    /// Doubles the arrays (up to Capacity). Only called while nothing was ever evicted: the ring is full, its ids sit at
    /// positions 0..Count−1 in insertion order, and the next one goes to position Count.
    /// </summary>
    private void Grow()
    {
        int size = (int)Math.Min(_capacity, 2L * _ring.Length);
        Array.Resize(ref _ring, size);
        _index = new int[IndexSlotsFor(size)];
        _mask = _index.Length - 1;
        for (int position = 0; position < _count; position++)
        {
            int slot = Home(_ring[position]);
            while (_index[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _index[slot] = position + 1;
        }

        _next = _count;
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
