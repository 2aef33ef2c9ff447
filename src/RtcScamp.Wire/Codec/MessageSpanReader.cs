using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using static RtcScamp.Wire.Codec.MessagePackFields;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// The fast path of <see cref="MessageCodec.TryDecode"/>: reads MessagePack format codes straight from the body's
/// one span (a frame inside one pipe segment or one datagram, which is nearly every frame), with an index instead
/// of <c>MessagePackReader</c>'s sequence reader. It is the first tier of MessagePack-CSharp's design (span
/// primitives returning a result) with the strictness of <see cref="MessageBodyReader"/>: the same accepted forms,
/// the same limits, the same <see cref="DecodeResult"/> for every input. Every length is checked against the bytes
/// left before anything is indexed, so no input can make it throw. Byte fields are slices of the original sequence,
/// exactly as the slow path returns them.
/// </summary>
internal ref struct MessageSpanReader : IMessageFieldReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly ReadOnlySequence<byte> _body;
    private int _position;

    /// <summary>Reads <paramref name="body"/>, which the caller checked is a single segment.</summary>
    internal MessageSpanReader(in ReadOnlySequence<byte> body)
    {
        Debug.Assert(body.IsSingleSegment, "The span reader needs a single-segment body.");
        _body = body;
        _span = body.FirstSpan;
        _position = 0;
    }

    public readonly bool End => _position == _span.Length;

    //  fixarray  1001xxxx                       (count 0..15)
    //  array16   0xdc  count:u16be
    //  array32   0xdd  count:u32be              (read as int, as MessagePack does)
    public DecodeResult TryReadArrayHeader(out int count)
    {
        ReadOnlySpan<byte> span = _span;
        int p = _position;
        count = 0;
        if ((uint)p >= (uint)span.Length)
        {
            return DecodeResult.MalformedField;
        }

        byte code = span[p];
        if ((code & 0xf0) == FormatMinFixArray)
        {
            count = code & 0x0f;
            _position = p + 1;
            return DecodeResult.Ok;
        }

        int left = span.Length - p;
        if (code == FormatArray16 && left >= 3)
        {
            count = BinaryPrimitives.ReadUInt16BigEndian(span.Slice(p + 1, 2));
            _position = p + 3;
            return DecodeResult.Ok;
        }

        if (code == FormatArray32 && left >= 5)
        {
            count = (int)BinaryPrimitives.ReadUInt32BigEndian(span.Slice(p + 1, 4));
            _position = p + 5;
            return DecodeResult.Ok;
        }

        return DecodeResult.MalformedField;
    }

    //  positive fixint 0xxxxxxx                    (the common case: one byte, no switch)
    //  uint8  0xcc b           int8  0xd0 b        (signed forms accepted when the value is >= 0)
    //  uint16 0xcd b b         int16 0xd1 b b
    //  uint32 0xce b*4         int32 0xd2 b*4
    //  uint64 0xcf b*8         int64 0xd3 b*8
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DecodeResult TryReadUInt(ulong max, out ulong value)
    {
        int p = _position;
        if ((uint)p < (uint)_span.Length)
        {
            byte code = _span[p];
            if (code <= FormatMaxPositiveFixInt)
            {
                value = code;
                _position = p + 1;
                return value <= max ? DecodeResult.Ok : DecodeResult.MalformedField;
            }
        }

        return TryReadUIntForm(max, out value);
    }

    private DecodeResult TryReadUIntForm(ulong max, out ulong value)
    {
        value = 0;
        ReadOnlySpan<byte> span = _span;
        int p = _position;
        if ((uint)p >= (uint)span.Length)
        {
            return DecodeResult.MalformedField;
        }

        byte code = span[p];
        int size = IntegerSize(code);
        if (size <= 1 || span.Length - p < size)
        {
            // Fixints took the fast path; a negative fixint, or anything not an integer, is malformed.
            return DecodeResult.MalformedField;
        }

        ReadOnlySpan<byte> content = span.Slice(p + 1, size - 1);
        long signed;
        switch (code)
        {
            case FormatUInt8:
                value = content[0];
                break;
            case FormatUInt16:
                value = BinaryPrimitives.ReadUInt16BigEndian(content);
                break;
            case FormatUInt32:
                value = BinaryPrimitives.ReadUInt32BigEndian(content);
                break;
            case FormatUInt64:
                value = BinaryPrimitives.ReadUInt64BigEndian(content);
                break;
            default:
                signed = code switch
                {
                    FormatInt8 => (sbyte)content[0],
                    FormatInt16 => BinaryPrimitives.ReadInt16BigEndian(content),
                    FormatInt32 => BinaryPrimitives.ReadInt32BigEndian(content),
                    _ => BinaryPrimitives.ReadInt64BigEndian(content),
                };
                if (signed < 0)
                {
                    return DecodeResult.MalformedField;
                }

                value = (ulong)signed;
                break;
        }

        _position = p + size;
        return value <= max ? DecodeResult.Ok : DecodeResult.MalformedField;
    }

    //  float64 0xcb b*8   (float32 0xca b*4 and any integer form are accepted, then widened exactly as
    //                      MessagePackReader.ReadDouble widens them)
    public DecodeResult TryReadFiniteDouble(out double value)
    {
        value = 0;
        ReadOnlySpan<byte> span = _span;
        int p = _position;
        if ((uint)p >= (uint)span.Length)
        {
            return DecodeResult.MalformedField;
        }

        byte code = span[p];
        int size = code switch
        {
            FormatFloat32 => 5,
            FormatFloat64 => 9,
            _ => IntegerSize(code),
        };
        if (size == 0 || span.Length - p < size)
        {
            return DecodeResult.MalformedField;
        }

        ReadOnlySpan<byte> content = span.Slice(p + 1, size - 1);
        value = code switch
        {
            <= FormatMaxPositiveFixInt => code,
            >= FormatMinNegativeFixInt => (sbyte)code,
            FormatFloat64 => BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(content)),
            FormatFloat32 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32BigEndian(content)),
            FormatUInt8 => content[0],
            FormatUInt16 => BinaryPrimitives.ReadUInt16BigEndian(content),
            FormatUInt32 => BinaryPrimitives.ReadUInt32BigEndian(content),
            FormatUInt64 => BinaryPrimitives.ReadUInt64BigEndian(content),
            FormatInt8 => (sbyte)content[0],
            FormatInt16 => BinaryPrimitives.ReadInt16BigEndian(content),
            FormatInt32 => BinaryPrimitives.ReadInt32BigEndian(content),
            _ => BinaryPrimitives.ReadInt64BigEndian(content),
        };
        _position = p + size;
        return double.IsFinite(value) ? DecodeResult.Ok : DecodeResult.MalformedField;
    }

    //  bin8  0xc4 len:u8    bytes…
    //  bin16 0xc5 len:u16be bytes…
    //  bin32 0xc6 len:u32be bytes…
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DecodeResult TryReadBin(int maxLength, out ReadOnlySequence<byte> bytes)
    {
        DecodeResult result = TryReadBinRange(maxLength, out int start, out int length);
        bytes = result == DecodeResult.Ok ? _body.Slice(start, length) : default;
        return result;
    }

    //  c4 10 id:16          (the form the writer uses; c5 00 10 / c6 00 00 00 10 + 16 bytes are accepted too)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DecodeResult TryReadNodeId(out NodeId id)
    {
        ReadOnlySpan<byte> span = _span;
        int p = _position;
        if (span.Length - p >= NodeIdLength && span[p] == FormatBin8 && span[p + 1] == NodeId.Size)
        {
            id = NodeId.Read(span.Slice(p + 2, NodeId.Size));
            _position = p + NodeIdLength;
            return DecodeResult.Ok;
        }

        return TryReadNodeIdLongForm(out id);
    }

    private DecodeResult TryReadNodeIdLongForm(out NodeId id)
    {
        // Any failure, a LimitExceeded for a longer bin included, is a malformed NodeId.
        if (TryReadBinRange(NodeId.Size, out int start, out int length) != DecodeResult.Ok || length != NodeId.Size)
        {
            id = default;
            return DecodeResult.MalformedField;
        }

        id = NodeId.Read(_span.Slice(start, NodeId.Size));
        return DecodeResult.Ok;
    }

    public DecodeResult TryReadRoute(int maxHops, out ReadOnlySequence<byte> route)
    {
        DecodeResult result = TryReadBinRange(maxHops * NodeId.Size, out int start, out int length);
        if (result == DecodeResult.Ok && length % NodeId.Size != 0)
        {
            result = DecodeResult.MalformedField;
        }

        route = result == DecodeResult.Ok ? _body.Slice(start, length) : default;
        return result;
    }

    /// <summary>
    /// Reads a bin header, checks the announced length against <paramref name="maxLength"/> and then against the
    /// bytes left, and consumes the value; <paramref name="start"/> is where its content begins in the span.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private DecodeResult TryReadBinRange(int maxLength, out int start, out int length)
    {
        start = 0;
        length = 0;
        ReadOnlySpan<byte> span = _span;
        int p = _position;
        if ((uint)p >= (uint)span.Length)
        {
            return DecodeResult.MalformedField;
        }

        int left = span.Length - p;
        uint announced;
        int header;
        switch (span[p])
        {
            case FormatBin8 when left >= 2:
                announced = span[p + 1];
                header = 2;
                break;
            case FormatBin16 when left >= 3:
                announced = BinaryPrimitives.ReadUInt16BigEndian(span.Slice(p + 1, 2));
                header = 3;
                break;
            case FormatBin32 when left >= 5:
                announced = BinaryPrimitives.ReadUInt32BigEndian(span.Slice(p + 1, 4));
                header = 5;
                break;
            default:
                return DecodeResult.MalformedField;
        }

        if (announced > (uint)maxLength)
        {
            return DecodeResult.LimitExceeded;
        }

        if (announced > (uint)(left - header))
        {
            return DecodeResult.MalformedField;
        }

        start = p + header;
        length = (int)announced;
        _position = start + length;
        return DecodeResult.Ok;
    }
}
