using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RtcScamp.Wire;

/// <summary>
/// A 128-bit node identity. A real node derives it from its long-lived ECDSA P-256 key
/// (first 16 bytes of SHA-256 over the SubjectPublicKeyInfo DER); simulated nodes may use any value.
/// On the wire it is 16 bytes, big-endian (<see cref="High"/> first).
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>, ISpanFormattable
{
    /// <summary>Size of a NodeId on the wire, in bytes.</summary>
    public const int Size = 16;

    /// <summary>The all-zero id, used as "none" (e.g. no replacement). Never a valid node.</summary>
    public static readonly NodeId None;

    /// <summary>Creates a NodeId from its two 64-bit halves.</summary>
    public NodeId(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    /// <summary>The most significant 64 bits.</summary>
    public ulong High { get; }

    /// <summary>The least significant 64 bits.</summary>
    public ulong Low { get; }

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => High == 0 && Low == 0;

    /// <summary>Reads 16 big-endian bytes.</summary>
    public static NodeId Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            ThrowTooShort();
        }

        return new NodeId(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));
    }

    /// <summary>Writes 16 big-endian bytes.</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            ThrowTooShort();
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Parses the 32-hex-digit form produced by <see cref="ToString()"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out NodeId id)
    {
        id = default;
        if (text.Length != 32
            || !ulong.TryParse(text[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong hi)
            || !ulong.TryParse(text[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong lo))
        {
            return false;
        }

        id = new NodeId(hi, lo);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(NodeId other) => High == other.High && Low == other.Low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    /// <summary>
    /// A hash that mixes both halves. Deterministic across processes (unlike <see cref="HashCode"/>),
    /// so open-addressing tables keyed by NodeId behave the same for the same seed.
    /// </summary>
    public override int GetHashCode()
    {
        ulong x = (High * 0x9E3779B97F4A7C15UL) ^ Low;
        x ^= x >> 32;
        x *= 0xD6E8FEB86659FD93UL;
        x ^= x >> 32;
        return (int)x;
    }

    /// <inheritdoc/>
    public int CompareTo(NodeId other)
    {
        int c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    /// <summary>32 lower-case hex digits.</summary>
    public override string ToString() => string.Create(32, this, static (span, id) => id.TryFormat(span, out _, default, null));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>A short form (first 8 hex digits) for logs.</summary>
    public string ToShortString() => ToString()[..8];

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (destination.Length < 32)
        {
            return false;
        }

        High.TryFormat(destination, out _, "x16", CultureInfo.InvariantCulture);
        Low.TryFormat(destination[16..], out _, "x16", CultureInfo.InvariantCulture);
        charsWritten = 32;
        return true;
    }

    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;

    [DoesNotReturn]
    private static void ThrowTooShort() => throw new ArgumentException("A NodeId needs 16 bytes.");
}
