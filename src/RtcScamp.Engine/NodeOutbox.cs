using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine;

/// <summary>
/// The queue a node writes its outputs to: a growable ring of <see cref="NodeOutput"/> structs plus a byte arena
/// for bytes the node builds (routes). Both are reused; after warm-up nothing is allocated.
/// One outbox may be shared by many nodes driven from one thread (a simulator), provided it is drained after
/// every input call; a runtime gives each node its own.
/// </summary>
public sealed class NodeOutbox
{
    private NodeOutput[] _items;
    private int _head;
    private int _count;
    private byte[] _arena;
    private int _arenaUsed;

    /// <summary>Creates an empty outbox with room for <paramref name="capacity"/> outputs before it grows.</summary>
    public NodeOutbox(int capacity = 16)
    {
        int size = 4;
        while (size < capacity)
        {
            size <<= 1;
        }

        _items = new NodeOutput[size];
        _arena = [];
    }

    /// <summary>Outputs waiting.</summary>
    public int Count => _count;

    /// <summary>
    /// Takes the oldest output. When it returns false the outbox is empty and every byte slice handed out
    /// before is invalid from then on (the arena is reused).
    /// </summary>
    public bool TryPoll(out NodeOutput output)
    {
        if (_count == 0)
        {
            _arenaUsed = 0;
            output = default;
            return false;
        }

        output = _items[_head];
        _items[_head] = default;
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        return true;
    }

    /// <summary>Drops every waiting output.</summary>
    /// <summary>The next output by reference (only while <see cref="Count"/> &gt; 0), for a driver that drains without copying.</summary>
    internal ref readonly NodeOutput Front => ref _items[_head];

    /// <summary>
    /// Drops the <see cref="Front"/> output. Its slot is not cleared (the next Add overwrites it), and the byte arena is
    /// reused once the box is empty, so the caller must be done with every drained output's bytes by then.
    /// </summary>
    internal void Advance()
    {
        _head = (_head + 1) & (_items.Length - 1);
        if (--_count == 0)
        {
            _arenaUsed = 0;
        }
    }

    public void Clear()
    {
        while (TryPoll(out _))
        {
        }
    }

    /// <summary>As <see cref="Add"/> for a Send, written in place.</summary>
    internal void AddSend(NodeId peer, in WireMessage message, int peerSlot)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)].SetSend(peer, message, peerSlot);
        _count++;
    }

    internal void Add(in NodeOutput output)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)] = output;
        _count++;
    }

    /// <summary>Reserves <paramref name="length"/> arena bytes valid until the outbox is drained.</summary>
    internal Memory<byte> Rent(int length)
    {
        if (_arena.Length - _arenaUsed < length)
        {
            // Earlier slices keep the old array alive, so growing never invalidates them.
            _arena = new byte[Math.Max(Math.Max(256, length), _arena.Length * 2)];
            _arenaUsed = 0;
        }

        Memory<byte> slice = _arena.AsMemory(_arenaUsed, length);
        _arenaUsed += length;
        return slice;
    }

    /// <summary>Copies a route into the arena, optionally dropping a loop and appending one node.</summary>
    internal ReadOnlySequence<byte> BuildRoute(ReadOnlySequence<byte> prefix, NodeId append)
    {
        int length = checked((int)prefix.Length);
        Memory<byte> slice = Rent(length + NodeId.Size);
        prefix.CopyTo(slice.Span);
        append.Write(slice.Span[length..]);
        return new ReadOnlySequence<byte>(slice);
    }

    /// <summary>A route of exactly the given nodes, in the arena.</summary>
    internal ReadOnlySequence<byte> BuildRoute(NodeId first, NodeId second)
    {
        Memory<byte> slice = Rent(2 * NodeId.Size);
        first.Write(slice.Span);
        second.Write(slice.Span[NodeId.Size..]);
        return new ReadOnlySequence<byte>(slice);
    }

    private void Grow()
    {
        var bigger = new NodeOutput[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = bigger;
        _head = 0;
    }
}
