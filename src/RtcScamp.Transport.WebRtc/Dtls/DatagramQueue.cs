namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// A bounded FIFO of datagrams, each copied into a slot of fixed size. Slots are allocated on first
/// use and then reused, so an idle endpoint holds little and a busy one allocates nothing in steady
/// state. When all slots are full, <see cref="TryEnqueue"/> drops the datagram and counts it: a flood
/// cannot grow memory. Not thread-safe; the owner locks.
/// </summary>
internal sealed class DatagramQueue
{
    private readonly byte[]?[] _slots;
    private readonly int[] _lengths;
    private readonly int _slotSize;
    private int _head;
    private int _count;

    public DatagramQueue(int capacity, int slotSize)
    {
        _slots = new byte[capacity][];
        _lengths = new int[capacity];
        _slotSize = slotSize;
    }

    public int Count => _count;

    /// <summary>Bytes per slot: the largest datagram it holds.</summary>
    public int SlotSize => _slotSize;

    public long Dropped { get; private set; }

    /// <summary>Copies a datagram in; false (and counted) if full or larger than a slot.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> datagram)
    {
        if (_count == _slots.Length || datagram.Length > _slotSize)
        {
            Dropped++;
            return false;
        }

        int tail = (_head + _count) % _slots.Length;
        byte[] slot = _slots[tail] ??= new byte[_slotSize];
        datagram.CopyTo(slot);
        _lengths[tail] = datagram.Length;
        _count++;
        return true;
    }

    /// <summary>
    /// Lends the next free slot (<see cref="SlotSize"/> bytes) so a datagram can be written into it in
    /// place; <see cref="Commit"/> makes it visible, not committing leaves the slot free. False (and
    /// counted) if full.
    /// </summary>
    public bool TryReserve(out Span<byte> slot)
    {
        if (_count == _slots.Length)
        {
            Dropped++;
            slot = default;
            return false;
        }

        int tail = (_head + _count) % _slots.Length;
        slot = _slots[tail] ??= new byte[_slotSize];
        return true;
    }

    /// <summary>Appends the datagram just written into the slot from <see cref="TryReserve"/>.</summary>
    public void Commit(int length)
    {
        int tail = (_head + _count) % _slots.Length;
        _lengths[tail] = length;
        _count++;
    }

    /// <summary>Length of the next datagram, or -1 if empty.</summary>
    public int PeekLength() => _count == 0 ? -1 : _lengths[_head];

    /// <summary>Copies the next datagram out and removes it; false if empty.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than the datagram (caller misuse).</exception>
    public bool TryDequeue(Span<byte> destination, out int length)
    {
        if (_count == 0)
        {
            length = 0;
            return false;
        }

        length = _lengths[_head];
        if (destination.Length < length)
        {
            throw new ArgumentException("The destination is shorter than the next datagram; size it with MaxDatagramSize.", nameof(destination));
        }

        _slots[_head].AsSpan(0, length).CopyTo(destination);
        _head = (_head + 1) % _slots.Length;
        _count--;
        return true;
    }

    /// <summary>Removes the next datagram unread (no-op if empty).</summary>
    public void Skip()
    {
        if (_count > 0)
        {
            _head = (_head + 1) % _slots.Length;
            _count--;
        }
    }
}
