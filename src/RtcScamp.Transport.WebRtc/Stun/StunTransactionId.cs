using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Stun;

/// <summary>A 96-bit STUN transaction id held by value (no array), big-endian on the wire.</summary>
public readonly record struct StunTransactionId(ulong High, uint Low)
{
    /// <summary>Reads 12 bytes.</summary>
    public static StunTransactionId Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt32BigEndian(source[8..]));

    /// <summary>Writes 12 bytes.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Low);
    }
}
