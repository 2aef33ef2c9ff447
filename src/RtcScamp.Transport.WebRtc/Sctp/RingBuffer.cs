namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>
/// A growable double-ended queue over one power-of-two array. It only allocates when it grows, so
/// once an association has seen its peak load, queueing and dequeueing allocate nothing.
/// </summary>
internal sealed class RingBuffer<T>
{
    private T[] _items;
    private int _head;

    public RingBuffer(int capacity)
    {
        _items = new T[Math.Max(4, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity))];
    }

    public int Count { get; private set; }

    public ref T this[int index] => ref _items[(_head + index) & (_items.Length - 1)];

    public void PushBack(T item)
    {
        if (Count == _items.Length)
        {
            Grow();
        }

        _items[(_head + Count) & (_items.Length - 1)] = item;
        Count++;
    }

    public T PopFront()
    {
        System.Diagnostics.Debug.Assert(Count > 0, "PopFront on an empty ring");
        T item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return item;
    }

    public T PopBack()
    {
        System.Diagnostics.Debug.Assert(Count > 0, "PopBack on an empty ring");
        int index = (_head + Count - 1) & (_items.Length - 1);
        T item = _items[index];
        _items[index] = default!;
        Count--;
        return item;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _head = 0;
        Count = 0;
    }

    private void Grow()
    {
        var bigger = new T[_items.Length * 2];
        for (int i = 0; i < Count; i++)
        {
            bigger[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = bigger;
        _head = 0;
    }
}
