// The simulator's event queue: events ordered by (time, insertion order), so events at the same time run in the
// order they were scheduled and a run is reproducible. A timing wheel (Varghese & Lauck, "Hashed and hierarchical
// timing wheels", SOSP 1987, scheme 4) with one slot per millisecond, because almost every event is a message
// scheduled 5..50 ms ahead, plus a heap for the few events outside the wheel's window:
//
//   wheel:     1024 slots covering the window [base, base + 1024); time t lives in slot t & 1023
//              base = 4096                                     occupied: 16 × 64-bit words of slot bits,
//              slot  0     1          5            1023                  1 summary word of non-empty words
//              ┌─────┬─────┬── ··· ──┬─────┬── ··· ──┬─────┐
//              │4096 │     │         │4101 │         │5119 │
//              └──┬──┴─────┴── ··· ──┴──┬──┴── ··· ──┴─────┘
//                 │                     └─ [rec rec rec]
//                 └─ [rec × 64] -> [rec rec]    one FIFO per slot: a chain of 64-record chunks from a shared pool
//   overflow:  min-heap of (time, sequence, record) for times outside the window: ≥ base + 1024 (timers), or
//              < base (a push into the past; the simulator never does it, as it schedules at Now or later)
//   record:    16 bytes | To 4 | From 4 | Epoch 4 | kind 2 bits, handle or close reason 28 bits |
//
// Push: a time inside the window is appended to its slot's FIFO (O(1), no sequence number: the FIFO is the order);
// any other time goes into the overflow heap with a sequence number (O(log F)); into an empty queue, the window
// first moves to the event's time. Pop: the overflow minimum if it lies before base (it is then the earliest event);
// otherwise the front of base's slot. When base's slot is empty, base advances to the next occupied slot (two
// trailing-zero counts on the bitmaps) or, if the wheel is empty, jumps to the overflow minimum; then every overflow
// event whose time entered the window moves into its slot, in (time, sequence) order. Those times were outside the
// window until this moment, so no direct push to them has happened yet: each slot's FIFO stays in push order. Base
// never moves back while events are pending, so a time, once inside the window, only receives direct pushes.
// PeekTime finds the same minimum without moving base (a caller may peek, then schedule before that time).
// An emptied slot keeps its last chunk (at most 1024 chunks, 1 MiB), so the build's usual one-event slot opens and
// closes without a pool trip. 16 bytes per pending event in the wheel, no array doubling under a burst, and no
// allocation once the pools are warm (the overflow heap is an array that doubles; it holds timers, not waves).
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RtcScamp.Engine.Simulation;

/// <summary>What a <see cref="SimEvent"/> does when it runs.</summary>
public enum SimEventKind : byte
{
    /// <summary>Deliver the pooled message <see cref="SimEvent.Handle"/> from <see cref="SimEvent.From"/> to <see cref="SimEvent.To"/>.</summary>
    Message = 0,

    /// <summary>A connection attempt from <see cref="SimEvent.From"/> to <see cref="SimEvent.To"/> completes (or fails).</summary>
    Connect = 1,

    /// <summary><see cref="SimEvent.From"/> closed its connection to <see cref="SimEvent.To"/>; tell <see cref="SimEvent.To"/>.</summary>
    Close = 2,

    /// <summary>Run the timers of <see cref="SimEvent.To"/>.</summary>
    Timer = 3,
}

/// <summary>One scheduled event, as pushed and popped (the queue stores it in 16 bytes, its time given by its slot).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public struct SimEvent
{
    /// <summary>When it runs.</summary>
    public long Time;

    /// <summary>Receiving node index.</summary>
    public int To;

    /// <summary>Sending node index.</summary>
    public int From;

    /// <summary>Connection generation the event belongs to (stale ones are dropped).</summary>
    public uint Epoch;

    /// <summary>Message events: index of the message in the network's message pool (below 2^28).</summary>
    public int Handle;

    /// <summary>What it does.</summary>
    public SimEventKind Kind;

    /// <summary>Close reason (Close events).</summary>
    public CloseReason Reason;
}

/// <summary>
/// Pending <see cref="SimEvent"/>s popped by (Time, insertion order). Any time may be pushed at any moment, including
/// one earlier than events already popped (it is then the next to pop); the fast path is a time within 1024 ms after
/// the last popped one. No allocation once its pools are warm.
/// </summary>
public sealed class SimEventQueue
{
    private const int WindowBits = 10;
    private const int Window = 1 << WindowBits;
    private const int SlotMask = Window - 1;
    private const int ChunkSize = 64;
    private const int PayloadBits = 28;
    private const int PayloadMask = (1 << PayloadBits) - 1;

    private readonly Slot[] _slots = new Slot[Window];
    private readonly ulong[] _occupied = new ulong[Window / 64];
    private ulong _occupiedWords;
    private long _base;
    private int _wheelCount;
    private Record[][] _chunks = new Record[16][];
    private int[] _nextChunk = new int[16];
    private int _chunksUsed;
    private int _freeChunk = -1;
    private Deferred[] _overflow = new Deferred[16];
    private int _overflowCount;
    private long _sequence;
    private int _count;
    private int _highWater;

    /// <summary>Events waiting.</summary>
    public int Count => _count;

    /// <summary>Largest number of events that were waiting at once.</summary>
    public int HighWater => _highWater;

    /// <summary>Time of the earliest event; only valid when <see cref="Count"/> &gt; 0.</summary>
    public long PeekTime
    {
        get
        {
            if (_overflowCount > 0 && (_wheelCount == 0 || _overflow[0].Time < _base))
            {
                return _overflow[0].Time;
            }

            return _wheelCount == 0 ? _base : _base + DistanceToOccupied();
        }
    }

    /// <summary>Schedules an event; events of equal time run in the order they were pushed.</summary>
    public void Push(in SimEvent e)
    {
        int payload = e.Kind == SimEventKind.Close ? (byte)e.Reason : e.Handle;
        if ((uint)payload > PayloadMask)
        {
            ThrowHandle();
        }

        var record = new Record { To = e.To, From = e.From, Epoch = e.Epoch, Data = ((int)e.Kind << PayloadBits) | payload };
        long time = e.Time;
        if (time >= _base && (ulong)(time - _base) < Window)
        {
            Place((int)time & SlotMask, record);
        }
        else
        {
            PushOutsideWindow(time, record);
        }

        if (++_count > _highWater)
        {
            _highWater = _count;
        }
    }

    /// <summary>Removes and returns the earliest event.</summary>
    public bool TryPop(out SimEvent e)
    {
        if (_count == 0)
        {
            e = default;
            return false;
        }

        long time;
        Record r;
        if (_overflowCount > 0 && _overflow[0].Time < _base)
        {
            time = _overflow[0].Time;
            r = _overflow[0].Record;
            RemoveOverflowMinimum();
        }
        else
        {
            // Masked below Window = _slots.Length, as in Push; TailPosition 0 means the slot is empty.
            ref Slot s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), (int)_base & SlotMask);
            if (s.TailPosition == 0)
            {
                s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), Advance());
            }

            time = _base;
            Record[] head = s.Head!;
            int position = s.HeadPosition;
            r = head[position++];
            if (position < s.TailPosition || (position < ChunkSize && head != s.Tail))
            {
                // Most pops: more records follow in this chunk.
                s.HeadPosition = position;
                _wheelCount--;
            }
            else
            {
                Take((int)time & SlotMask, position);
            }
        }

        _count--;
        var kind = (SimEventKind)(r.Data >> PayloadBits);
        int payload = r.Data & PayloadMask;
        e = new SimEvent
        {
            Time = time,
            To = r.To,
            From = r.From,
            Epoch = r.Epoch,
            Kind = kind,
            Handle = kind == SimEventKind.Close ? 0 : payload,
            Reason = kind == SimEventKind.Close ? (CloseReason)payload : CloseReason.None,
        };
        return true;
    }

    /// <summary>
    /// The receiver (<see cref="SimEvent.To"/>) of the event <paramref name="ahead"/> places after the next one, if both
    /// are in the head chunk of the window's current slot (the time of the last pop); -1 otherwise. O(1): meant for
    /// prefetching right after a pop during a broadcast wave, when a slot holds thousands of events (other slots and
    /// the overflow heap are not looked at, so this is a hint, not the pop order).
    /// </summary>
    internal int PeekReceiver(int ahead) => PeekReceiver(ahead, out _);

    /// <summary>As <see cref="PeekReceiver(int)"/>, also giving the event's message handle (-1 if it carries none).</summary>
    internal int PeekReceiver(int ahead, out int handle)
    {
        ref Slot s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), (int)_base & SlotMask);
        Record[]? head = s.Head;
        int position = s.HeadPosition + ahead;
        int end = head == s.Tail ? s.TailPosition : ChunkSize;
        if (head is null || position >= end)
        {
            handle = -1;
            return -1;
        }

        ref Record r = ref head[position];
        handle = (SimEventKind)(r.Data >> PayloadBits) == SimEventKind.Message ? r.Data & PayloadMask : -1;
        return r.To;
    }

    private void PushOutsideWindow(long time, in Record record)
    {
        if (_count == 0)
        {
            // Nothing pending: the window can start anywhere, and starting it here keeps this event on the fast path.
            _base = time;
            Place((int)time & SlotMask, record);
            return;
        }

        if (_overflowCount == _overflow.Length)
        {
            Array.Resize(ref _overflow, _overflow.Length * 2);
        }

        var item = new Deferred { Time = time, Sequence = _sequence++, Record = record };
        int i = _overflowCount++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(item, _overflow[parent]))
            {
                break;
            }

            _overflow[i] = _overflow[parent];
            i = parent;
        }

        _overflow[i] = item;
    }

    /// <summary>Moves base to the earliest pending time (base's slot is empty and nothing pending lies before base).</summary>
    private int Advance()
    {
        _base = _wheelCount > 0 ? _base + DistanceToOccupied() : _overflow[0].Time;
        while (_overflowCount > 0 && (ulong)(_overflow[0].Time - _base) < Window)
        {
            Deferred next = _overflow[0];
            RemoveOverflowMinimum();
            Place((int)next.Time & SlotMask, next.Record);
        }

        return (int)_base & SlotMask;
    }

    /// <summary>Milliseconds from base to the first occupied slot at or after it; the wheel must not be empty.</summary>
    private int DistanceToOccupied()
    {
        int from = (int)_base & SlotMask;
        int word = from >> 6;
        ulong bits = _occupied[word] & (ulong.MaxValue << from);
        int slot;
        if (bits != 0)
        {
            slot = (word << 6) | BitOperations.TrailingZeroCount(bits);
        }
        else
        {
            // Occupied words after this one; if none, wrap around to the lowest (possibly this word, below base).
            ulong later = _occupiedWords & ~((2UL << word) - 1);
            int w = BitOperations.TrailingZeroCount(later != 0 ? later : _occupiedWords);
            slot = (w << 6) | BitOperations.TrailingZeroCount(_occupied[w]);
        }

        return (slot - from) & SlotMask;
    }

    /// <summary>Appends to slot <paramref name="slot"/> (below Window): the common case inline, a new chunk in <see cref="Append"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Place(int slot, in Record record)
    {
        // Callers mask the index below Window = _slots.Length: no bounds check needed.
        ref Slot s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), slot & SlotMask);
        Record[]? tail = s.Tail;
        int position = s.TailPosition;
        if (position != 0 && tail is not null && (uint)position < (uint)tail.Length)
        {
            tail[position] = record;
            s.TailPosition = position + 1;
            _wheelCount++;
        }
        else
        {
            Append(slot, record);
        }
    }

    /// <summary>Appends to an empty slot, or to one whose tail chunk is full.</summary>
    private void Append(int slot, in Record record)
    {
        ref Slot s = ref _slots[slot];
        if (s.TailPosition == 0)
        {
            // Empty: it keeps its last chunk (or gets its first), so the common one-event slot costs no pool trip.
            if (s.Tail is null)
            {
                int first = RentChunk();
                s.Head = s.Tail = _chunks[first];
                s.HeadChunk = s.TailChunk = first;
            }

            _occupied[slot >> 6] |= 1UL << slot;
            _occupiedWords |= 1UL << (slot >> 6);
        }
        else
        {
            int chunk = RentChunk();
            _nextChunk[s.TailChunk] = chunk;
            s.Tail = _chunks[chunk];
            s.TailChunk = chunk;
            s.TailPosition = 0;
        }

        s.Tail![s.TailPosition++] = record;
        _wheelCount++;
    }

    /// <summary>After a pop that emptied the slot or its head chunk (<paramref name="position"/>: the new head position).</summary>
    private void Take(int slot, int position)
    {
        ref Slot s = ref _slots[slot];
        _wheelCount--;
        if (s.Head == s.Tail)
        {
            // Head and tail in one chunk, read up to the tail: the slot is empty (and keeps the chunk).
            s.HeadPosition = 0;
            s.TailPosition = 0;
            ref ulong word = ref _occupied[slot >> 6];
            word &= ~(1UL << slot);
            if (word == 0)
            {
                _occupiedWords &= ~(1UL << (slot >> 6));
            }

            return;
        }

        Debug.Assert(position == ChunkSize, "a chunk before the tail is full");
        int next = _nextChunk[s.HeadChunk];
        ReturnChunk(s.HeadChunk);
        s.HeadChunk = next;
        s.Head = _chunks[next];
        s.HeadPosition = 0;
    }

    private int RentChunk()
    {
        if (_freeChunk >= 0)
        {
            int chunk = _freeChunk;
            _freeChunk = _nextChunk[chunk];
            return chunk;
        }

        if (_chunksUsed == _nextChunk.Length)
        {
            Array.Resize(ref _nextChunk, _nextChunk.Length * 2);
            Array.Resize(ref _chunks, _nextChunk.Length);
        }

        // Chunks are separate arrays: a burst of pending events never copies (or doubles) one huge array.
        _chunks[_chunksUsed] = new Record[ChunkSize];
        return _chunksUsed++;
    }

    private void ReturnChunk(int chunk)
    {
        _nextChunk[chunk] = _freeChunk;
        _freeChunk = chunk;
    }

    private void RemoveOverflowMinimum()
    {
        Deferred last = _overflow[--_overflowCount];
        int count = _overflowCount;
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Before(_overflow[child + 1], _overflow[child]))
            {
                child++;
            }

            if (!Before(_overflow[child], last))
            {
                break;
            }

            _overflow[i] = _overflow[child];
            i = child;
        }

        if (count > 0)
        {
            _overflow[i] = last;
        }
    }

    private static bool Before(in Deferred a, in Deferred b) => a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);

    [DoesNotReturn]
    private static void ThrowHandle() => throw new ArgumentOutOfRangeException(nameof(SimEvent.Handle), "handle must be in [0, 2^28)");

    private struct Record
    {
        public int To;
        public int From;
        public uint Epoch;
        public int Data;
    }

    /// <summary>
    /// A slot's FIFO: read at Head[HeadPosition], written at Tail[TailPosition]; Head and Tail are the arrays of the
    /// pool's chunks HeadChunk and TailChunk. Empty ⇔ TailPosition = 0 (a chunk is linked only to hold a record).
    /// </summary>
    private struct Slot
    {
        public Record[]? Head;
        public Record[]? Tail;
        public int HeadChunk;
        public int HeadPosition;
        public int TailChunk;
        public int TailPosition;
    }

    /// <summary>An event outside the window; Sequence orders equal times by push.</summary>
    private struct Deferred
    {
        public long Time;
        public long Sequence;
        public Record Record;
    }
}
