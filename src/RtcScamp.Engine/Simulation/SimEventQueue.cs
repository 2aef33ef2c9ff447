// The simulator's event queue: a binary min-heap of 32-byte value-type events ordered by (time, insertion
// sequence), so events at the same time run in the order they were scheduled and a run is reproducible.
// Messages are not inside events: an event carries a handle into SimNetwork's pooled message array.
//
//          [0]            parent(i) = (i-1)/2            event (32 bytes):
//        /     \          children  = 2i+1, 2i+2         | Time 8 | Key 8 = seq<<16|reason<<8|kind |
//      [1]     [2]        key       = (Time, Key)        | To 4 | From 4 | Epoch 4 | Handle 4 |
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

/// <summary>One scheduled event: 32 bytes, stored inline in the heap.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public struct SimEvent
{
    /// <summary>When it runs.</summary>
    public long Time;

    /// <summary>Insertion sequence (high 48 bits, assigned by the queue), close reason and kind (low 16 bits).</summary>
    private ulong _key;

    /// <summary>Receiving node index.</summary>
    public int To;

    /// <summary>Sending node index.</summary>
    public int From;

    /// <summary>Connection generation the event belongs to (stale ones are dropped).</summary>
    public uint Epoch;

    /// <summary>Message events: index of the message in the network's message pool.</summary>
    public int Handle;

    /// <summary>What it does.</summary>
    public SimEventKind Kind
    {
        readonly get => (SimEventKind)(byte)_key;
        set => _key = (_key & ~0xFFUL) | (byte)value;
    }

    /// <summary>Close reason (Close events).</summary>
    public CloseReason Reason
    {
        readonly get => (CloseReason)(byte)(_key >> 8);
        set => _key = (_key & ~0xFF00UL) | ((ulong)(byte)value << 8);
    }

    /// <summary>Insertion order among events of the same time.</summary>
    public readonly long Sequence => (long)(_key >> 16);

    internal readonly ulong Key => _key;

    internal void SetSequence(long sequence) => _key = (_key & 0xFFFFUL) | ((ulong)sequence << 16);
}

/// <summary>A binary min-heap of <see cref="SimEvent"/>s by (Time, Sequence). No allocation except when growing.</summary>
public sealed class SimEventQueue
{
    private SimEvent[] _heap = new SimEvent[64];
    private int _count;
    private long _sequence;

    /// <summary>Events waiting.</summary>
    public int Count => _count;

    /// <summary>Largest number of events that were waiting at once.</summary>
    public int HighWater { get; private set; }

    /// <summary>Time of the earliest event; only valid when <see cref="Count"/> &gt; 0.</summary>
    public long PeekTime => _heap[0].Time;

    /// <summary>Receiving node of the earliest event, or -1 when empty.</summary>
    internal int PeekTo => _count > 0 ? _heap[0].To : -1;

    /// <summary>Receiving node of the second earliest event as of now (a later push may overtake it), or -1.</summary>
    internal int PeekSecondTo => _count switch
    {
        < 2 => -1,
        2 => _heap[1].To,
        _ => Less(_heap[2], _heap[1]) ? _heap[2].To : _heap[1].To,
    };

    /// <summary>Schedules an event (its <see cref="SimEvent.Sequence"/> is assigned here).</summary>
    public void Push(SimEvent e)
    {
        e.SetSequence(_sequence++);
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        int i = _count++;
        HighWater = Math.Max(HighWater, _count);
        SimEvent[] heap = _heap;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(e, heap[parent]))
            {
                break;
            }

            heap[i] = heap[parent];
            i = parent;
        }

        heap[i] = e;
    }

    /// <summary>Removes and returns the earliest event.</summary>
    public bool TryPop(out SimEvent e)
    {
        if (_count == 0)
        {
            e = default;
            return false;
        }

        SimEvent[] heap = _heap;
        e = heap[0];
        SimEvent last = heap[--_count];
        int count = _count;
        if (count > 0)
        {
            int i = 0;
            while (true)
            {
                int child = (2 * i) + 1;
                if (child >= count)
                {
                    break;
                }

                if (child + 1 < count && Less(heap[child + 1], heap[child]))
                {
                    child++;
                }

                if (!Less(heap[child], last))
                {
                    break;
                }

                heap[i] = heap[child];
                i = child;
            }

            heap[i] = last;
        }

        return true;
    }

    private static bool Less(in SimEvent a, in SimEvent b) => a.Time < b.Time || (a.Time == b.Time && a.Key < b.Key);
}
