using System.Buffers;

namespace RtcScamp.Wire.Messages;

/// <summary>
/// A sequence of NodeIds (a source route or the path a message travelled), held as a slice of
/// <c>16 × Count</c> bytes of the input it was decoded from: no copy, no allocation.
/// The codec bounds <see cref="Count"/> by <see cref="WireLimits.MaxRouteLength"/> before this exists.
/// </summary>
public readonly struct NodeRoute
{
    /// <summary>Wraps bytes whose length must be a multiple of <see cref="NodeId.Size"/>.</summary>
    public NodeRoute(ReadOnlySequence<byte> bytes)
    {
        if (bytes.Length % NodeId.Size != 0)
        {
            throw new ArgumentException("A route is a whole number of 16-byte NodeIds.", nameof(bytes));
        }

        Bytes = bytes;
    }

    /// <summary>An empty route.</summary>
    public static NodeRoute Empty => default;

    /// <summary>The raw 16·Count bytes.</summary>
    public ReadOnlySequence<byte> Bytes { get; }

    /// <summary>Number of NodeIds.</summary>
    public int Count => (int)(Bytes.Length / NodeId.Size);

    /// <summary>The i-th NodeId (0 = first hop).</summary>
    public NodeId this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            ReadOnlySequence<byte> slice = Bytes.Slice(index * NodeId.Size, NodeId.Size);
            if (slice.IsSingleSegment)
            {
                return NodeId.Read(slice.FirstSpan);
            }

            Span<byte> tmp = stackalloc byte[NodeId.Size];
            slice.CopyTo(tmp);
            return NodeId.Read(tmp);
        }
    }

    /// <summary>True if <paramref name="id"/> appears in the route.</summary>
    public bool Contains(NodeId id)
    {
        int n = Count;
        for (int i = 0; i < n; i++)
        {
            if (this[i] == id)
            {
                return true;
            }
        }

        return false;
    }
}
