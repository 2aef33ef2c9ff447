using System.Buffers;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// The value shapes a message body is written with, each in its shortest MessagePack form. Two writers implement it:
/// <see cref="MessageSpanWriter"/> (the fast path, straight into one span that holds the whole message) and
/// <see cref="MessagePackFieldWriter"/> (MessagePack's writer, which continues across the destination's segments).
/// The field order lives once in <see cref="MessageCodec"/>, generic over the writer; both must produce the same
/// bytes for every message (<c>CodecPathProperties</c>).
/// </summary>
internal interface IMessageFieldWriter
{
    /// <summary>A fixarray header (the protocol's arrays have at most 7 elements).</summary>
    void WriteArrayHeader(int count);

    /// <summary>An unsigned integer: positive fixint, uint8, uint16, uint32 or uint64, the shortest that holds it.</summary>
    void WriteUInt(ulong value);

    /// <summary>A float64.</summary>
    void WriteDouble(double value);

    /// <summary>A NodeId as bin8 of 16 bytes, big-endian.</summary>
    void WriteNodeId(NodeId id);

    /// <summary>A bin8, bin16 or bin32 (the shortest that holds the length) followed by the bytes.</summary>
    void WriteBin(in ReadOnlySequence<byte> bytes);
}
