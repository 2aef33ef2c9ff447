using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// The handful of MessagePack value shapes the protocol uses, read without ever letting
/// <see cref="MessagePackReader"/> throw: each reader peeks the format code, checks that the whole value
/// (header and content) is present and within its limit, and only then asks the reader to consume it.
/// Hostile input therefore costs a few comparisons, never an exception.
/// Format codes are from the MessagePack specification, section "Formats".
/// </summary>
internal static class MessagePackFields
{
    private const byte MaxPositiveFixInt = 0x7f;
    private const byte MinFixArray = 0x90;
    private const byte MaxFixArray = 0x9f;
    private const byte Bin8 = 0xc4;
    private const byte Bin16 = 0xc5;
    private const byte Bin32 = 0xc6;
    private const byte Float32 = 0xca;
    private const byte Float64 = 0xcb;
    private const byte UInt8 = 0xcc;
    private const byte UInt16 = 0xcd;
    private const byte UInt32 = 0xce;
    private const byte UInt64 = 0xcf;
    private const byte Int8 = 0xd0;
    private const byte Int16 = 0xd1;
    private const byte Int32 = 0xd2;
    private const byte Int64 = 0xd3;
    private const byte Array16 = 0xdc;
    private const byte Array32 = 0xdd;
    private const byte MinNegativeFixInt = 0xe0;

    /// <summary>Encoded size of a bin header plus its content.</summary>
    internal static int BinLength(long contentLength) =>
        checked((int)((contentLength <= byte.MaxValue ? 2 : contentLength <= ushort.MaxValue ? 3 : 5) + contentLength));

    /// <summary>Encoded size of an unsigned integer in its shortest form (what <see cref="MessagePackWriter.Write(ulong)"/> emits).</summary>
    internal static int UIntLength(ulong value) => MessagePackWriter.GetEncodedLength(value);

    /// <summary>Encoded size of a NodeId: bin8 header (2 bytes) + 16 bytes.</summary>
    internal const int NodeIdLength = 2 + NodeId.Size;

    /// <summary>Encoded size of a double: float64 code + 8 bytes.</summary>
    internal const int DoubleLength = 9;

    //  fixarray  1001xxxx                       (count 0..15)
    //  array16   0xdc  count:u16be
    //  array32   0xdd  count:u32be
    internal static DecodeResult TryReadArrayHeader(ref MessagePackReader reader, out int count)
    {
        count = 0;
        if (reader.End)
        {
            return DecodeResult.MalformedField;
        }

        byte code = reader.NextCode;
        int size = code switch
        {
            >= MinFixArray and <= MaxFixArray => 1,
            Array16 => 3,
            Array32 => 5,
            _ => 0,
        };
        if (size == 0 || Remaining(ref reader) < size || !reader.TryReadArrayHeader(out count))
        {
            return DecodeResult.MalformedField;
        }

        return DecodeResult.Ok;
    }

    //  positive fixint 0xxxxxxx
    //  uint8  0xcc b           int8  0xd0 b        (signed forms accepted when the value is >= 0)
    //  uint16 0xcd b b         int16 0xd1 b b
    //  uint32 0xce b*4         int32 0xd2 b*4
    //  uint64 0xcf b*8         int64 0xd3 b*8
    internal static DecodeResult TryReadUInt(ref MessagePackReader reader, ulong max, out ulong value)
    {
        value = 0;
        if (reader.End)
        {
            return DecodeResult.MalformedField;
        }

        byte code = reader.NextCode;
        int size = IntegerSize(code);
        if (size == 0 || code >= MinNegativeFixInt || Remaining(ref reader) < size)
        {
            return DecodeResult.MalformedField;
        }

        if (code <= MaxPositiveFixInt || code is >= UInt8 and <= UInt64)
        {
            value = reader.ReadUInt64();
        }
        else
        {
            long signed = reader.ReadInt64();
            if (signed < 0)
            {
                return DecodeResult.MalformedField;
            }

            value = (ulong)signed;
        }

        return value <= max ? DecodeResult.Ok : DecodeResult.MalformedField;
    }

    //  float64 0xcb b*8   (float32 0xca b*4 and any integer form are accepted, then widened)
    internal static DecodeResult TryReadFiniteDouble(ref MessagePackReader reader, out double value)
    {
        value = 0;
        if (reader.End)
        {
            return DecodeResult.MalformedField;
        }

        byte code = reader.NextCode;
        int size = code switch
        {
            Float32 => 5,
            Float64 => 9,
            _ => IntegerSize(code),
        };
        if (size == 0 || Remaining(ref reader) < size)
        {
            return DecodeResult.MalformedField;
        }

        value = reader.ReadDouble();
        return double.IsFinite(value) ? DecodeResult.Ok : DecodeResult.MalformedField;
    }

    //  bin8  0xc4 len:u8    bytes…
    //  bin16 0xc5 len:u16be bytes…
    //  bin32 0xc6 len:u32be bytes…
    /// <summary>
    /// Reads a bin value as a slice of the input. The length is checked against <paramref name="maxLength"/>
    /// (<see cref="DecodeResult.LimitExceeded"/>) and then against the bytes left (<see cref="DecodeResult.MalformedField"/>)
    /// before the content is touched.
    /// </summary>
    internal static DecodeResult TryReadBin(ref MessagePackReader reader, int maxLength, out ReadOnlySequence<byte> bytes)
    {
        bytes = default;
        if (reader.End)
        {
            return DecodeResult.MalformedField;
        }

        int lengthSize = reader.NextCode switch
        {
            Bin8 => 1,
            Bin16 => 2,
            Bin32 => 4,
            _ => 0,
        };
        long remaining = Remaining(ref reader);
        if (lengthSize == 0 || remaining < 1 + lengthSize)
        {
            return DecodeResult.MalformedField;
        }

        ReadOnlySequence<byte> header = reader.ReadRaw(1 + lengthSize);
        Span<byte> scratch = stackalloc byte[5];
        header.CopyTo(scratch);
        uint length = lengthSize switch
        {
            1 => scratch[1],
            2 => BinaryPrimitives.ReadUInt16BigEndian(scratch[1..]),
            _ => BinaryPrimitives.ReadUInt32BigEndian(scratch[1..]),
        };
        if (length > (uint)maxLength)
        {
            return DecodeResult.LimitExceeded;
        }

        if (length > remaining - 1 - lengthSize)
        {
            return DecodeResult.MalformedField;
        }

        bytes = reader.ReadRaw(length);
        return DecodeResult.Ok;
    }

    /// <summary>A NodeId is a bin of exactly 16 bytes; any other length is malformed.</summary>
    internal static DecodeResult TryReadNodeId(ref MessagePackReader reader, out NodeId id)
    {
        id = default;
        if (TryReadBin(ref reader, NodeId.Size, out ReadOnlySequence<byte> bytes) != DecodeResult.Ok || bytes.Length != NodeId.Size)
        {
            return DecodeResult.MalformedField;
        }

        if (bytes.IsSingleSegment)
        {
            id = NodeId.Read(bytes.FirstSpan);
        }
        else
        {
            Span<byte> scratch = stackalloc byte[NodeId.Size];
            bytes.CopyTo(scratch);
            id = NodeId.Read(scratch);
        }

        return DecodeResult.Ok;
    }

    /// <summary>A route is a bin of 16·k bytes, k ≤ <paramref name="maxHops"/>.</summary>
    internal static DecodeResult TryReadRoute(ref MessagePackReader reader, int maxHops, out ReadOnlySequence<byte> route)
    {
        DecodeResult result = TryReadBin(ref reader, maxHops * NodeId.Size, out route);
        if (result == DecodeResult.Ok && route.Length % NodeId.Size != 0)
        {
            route = default;
            return DecodeResult.MalformedField;
        }

        return result;
    }

    /// <summary>Writes a NodeId as bin8 of 16 bytes: <c>c4 10 id…</c>.</summary>
    internal static void WriteNodeId(ref MessagePackWriter writer, NodeId id)
    {
        Span<byte> span = writer.GetSpan(NodeIdLength);
        span[0] = Bin8;
        span[1] = NodeId.Size;
        id.Write(span[2..]);
        writer.Advance(NodeIdLength);
    }

    private static long Remaining(ref MessagePackReader reader) => reader.Sequence.Length - reader.Consumed;

    /// <summary>Total encoded size of an integer given its format code, 0 if the code is not an integer.</summary>
    private static int IntegerSize(byte code) => code switch
    {
        <= MaxPositiveFixInt or >= MinNegativeFixInt => 1,
        UInt8 or Int8 => 2,
        UInt16 or Int16 => 3,
        UInt32 or Int32 => 5,
        UInt64 or Int64 => 9,
        _ => 0,
    };
}
