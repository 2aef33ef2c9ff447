// The harness's event queue: a binary min-heap of value-type events ordered by (time, insertion sequence), so
// events at the same time run in the order they were scheduled and a run is reproducible.
//
//          [0]            parent(i) = (i-1)/2
//        /     \          children  = 2i+1, 2i+2
//      [1]     [2]        key       = (Time, Sequence)
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine.Simulation;

/// <summary>What a <see cref="SimEvent"/> does when it runs.</summary>
public enum SimEventKind : byte
{
    /// <summary>Deliver <see cref="SimEvent.Message"/> from <see cref="SimEvent.From"/> to <see cref="SimEvent.To"/>.</summary>
    Message = 0,

    /// <summary>A connection attempt from <see cref="SimEvent.From"/> to <see cref="SimEvent.To"/> completes (or fails).</summary>
    Connect = 1,

    /// <summary><see cref="SimEvent.From"/> closed its connection to <see cref="SimEvent.To"/>; tell <see cref="SimEvent.To"/>.</summary>
    Close = 2,

    /// <summary>Run the timers of <see cref="SimEvent.To"/>.</summary>
    Timer = 3,
}

/// <summary>One scheduled event (a plain struct; the heap stores them inline).</summary>
public struct SimEvent
{
    /// <summary>When it runs.</summary>
    public long Time;

    /// <summary>Tie-breaker: insertion order.</summary>
    public long Sequence;

    /// <summary>What it does.</summary>
    public SimEventKind Kind;

    /// <summary>Close reason (Close events).</summary>
    public CloseReason Reason;

    /// <summary>Receiving node index.</summary>
    public int To;

    /// <summary>Sending node index.</summary>
    public int From;

    /// <summary>Connection generation the event belongs to (stale ones are dropped).</summary>
    public uint Epoch;

    /// <summary>The message (Message events); its bytes are owned by the harness.</summary>
    public WireMessage Message;
}

/// <summary>A binary min-heap of <see cref="SimEvent"/>s by (Time, Sequence). No allocation except when growing.</summary>
public sealed class SimEventQueue
{
    private SimEvent[] _heap = new SimEvent[64];
    private int _count;
    private long _sequence;

    /// <summary>Events waiting.</summary>
    public int Count => _count;

    /// <summary>Time of the earliest event; only valid when <see cref="Count"/> &gt; 0.</summary>
    public long PeekTime => _heap[0].Time;

    /// <summary>Schedules an event (its <see cref="SimEvent.Sequence"/> is assigned here).</summary>
    public void Push(SimEvent e)
    {
        e.Sequence = _sequence++;
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(e, _heap[parent]))
            {
                break;
            }

            _heap[i] = _heap[parent];
            i = parent;
        }

        _heap[i] = e;
    }

    /// <summary>Removes and returns the earliest event.</summary>
    public bool TryPop(out SimEvent e)
    {
        if (_count == 0)
        {
            e = default;
            return false;
        }

        e = _heap[0];
        SimEvent last = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0)
        {
            int i = 0;
            while (true)
            {
                int child = (2 * i) + 1;
                if (child >= _count)
                {
                    break;
                }

                if (child + 1 < _count && Less(_heap[child + 1], _heap[child]))
                {
                    child++;
                }

                if (!Less(_heap[child], last))
                {
                    break;
                }

                _heap[i] = _heap[child];
                i = child;
            }

            _heap[i] = last;
        }

        return true;
    }

    private static bool Less(in SimEvent a, in SimEvent b) => a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);
}
