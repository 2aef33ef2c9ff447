using MessagePack;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// MessagePack format codes (MessagePack specification, section "Formats") and the encoded sizes the writer
/// produces, so <see cref="MessageCodec.GetEncodedLength(in Messages.WireMessage, WireLimits)"/> is exact.
/// </summary>
internal static class MessagePackFields
{
    internal const byte FormatMaxPositiveFixInt = 0x7f;
    internal const byte FormatMinFixArray = 0x90;
    internal const byte FormatMaxFixArray = 0x9f;
    internal const byte FormatBin8 = 0xc4;
    internal const byte FormatBin16 = 0xc5;
    internal const byte FormatBin32 = 0xc6;
    internal const byte FormatFloat32 = 0xca;
    internal const byte FormatFloat64 = 0xcb;
    internal const byte FormatUInt8 = 0xcc;
    internal const byte FormatUInt16 = 0xcd;
    internal const byte FormatUInt32 = 0xce;
    internal const byte FormatUInt64 = 0xcf;
    internal const byte FormatInt8 = 0xd0;
    internal const byte FormatInt16 = 0xd1;
    internal const byte FormatInt32 = 0xd2;
    internal const byte FormatInt64 = 0xd3;
    internal const byte FormatArray16 = 0xdc;
    internal const byte FormatArray32 = 0xdd;
    internal const byte FormatMinNegativeFixInt = 0xe0;

    /// <summary>Encoded size of a bin header plus its content.</summary>
    internal static int BinLength(long contentLength) =>
        checked((int)((contentLength <= byte.MaxValue ? 2 : contentLength <= ushort.MaxValue ? 3 : 5) + contentLength));

    /// <summary>Encoded size of an unsigned integer in its shortest form (what <see cref="MessagePackWriter.Write(ulong)"/> emits).</summary>
    internal static int UIntLength(ulong value) => MessagePackWriter.GetEncodedLength(value);

    /// <summary>Encoded size of a NodeId: bin8 header (2 bytes) + 16 bytes.</summary>
    internal const int NodeIdLength = 2 + NodeId.Size;

    /// <summary>Encoded size of a double: float64 code + 8 bytes.</summary>
    internal const int DoubleLength = 9;

    /// <summary>Writes a NodeId as bin8 of 16 bytes: <c>c4 10 id…</c>.</summary>
    internal static void WriteNodeId(ref MessagePackWriter writer, NodeId id)
    {
        Span<byte> span = writer.GetSpan(NodeIdLength);
        span[0] = FormatBin8;
        span[1] = NodeId.Size;
        id.Write(span[2..]);
        writer.Advance(NodeIdLength);
    }
}
