using System.Buffers;
using System.Buffers.Binary;
using MessagePack;
using static RtcScamp.Wire.Codec.MessagePackFields;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// Reads the handful of MessagePack value shapes the protocol uses from one frame body, without ever letting
/// <see cref="MessagePackReader"/> throw: each read peeks the format code (and a bin header's length), checks
/// that the whole value is present and within its limit, and only then asks the reader to consume it.
/// Hostile input therefore costs a few comparisons, never an exception (MessagePack-CSharp 2.5 reports
/// truncation and wrong codes by throwing, which is slow and would let peer bytes raise exceptions).
/// When the body is one contiguous segment (the usual case) peeks index that span directly; otherwise the
/// few header bytes are copied out of the sequence.
/// </summary>
internal ref struct MessageBodyReader
{
    private MessagePackReader _reader;
    private readonly long _length;
    private readonly ReadOnlySpan<byte> _contiguous;
    private readonly bool _isContiguous;

    internal MessageBodyReader(in ReadOnlySequence<byte> body)
    {
        _reader = new MessagePackReader(body);
        _length = body.Length;
        _isContiguous = body.IsSingleSegment;
        _contiguous = _isContiguous ? body.FirstSpan : default;
    }

    /// <summary>True when every byte of the body was consumed.</summary>
    internal readonly bool End => _reader.Consumed == _length;

    private readonly long Remaining => _length - _reader.Consumed;

    //  fixarray  1001xxxx                       (count 0..15)
    //  array16   0xdc  count:u16be
    //  array32   0xdd  count:u32be
    internal DecodeResult TryReadArrayHeader(out int count)
    {
        count = 0;
        if (End)
        {
            return DecodeResult.MalformedField;
        }

        byte code = PeekCode();
        int size = code switch
        {
            >= FormatMinFixArray and <= FormatMaxFixArray => 1,
            FormatArray16 => 3,
            FormatArray32 => 5,
            _ => 0,
        };
        if (size == 0 || Remaining < size || !_reader.TryReadArrayHeader(out count))
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
    /// <summary>Reads an unsigned integer of at most <paramref name="max"/>, in any MessagePack integer form.</summary>
    internal DecodeResult TryReadUInt(ulong max, out ulong value)
    {
        value = 0;
        if (End)
        {
            return DecodeResult.MalformedField;
        }

        byte code = PeekCode();
        int size = IntegerSize(code);
        if (size == 0 || code >= FormatMinNegativeFixInt || Remaining < size)
        {
            return DecodeResult.MalformedField;
        }

        if (code <= FormatMaxPositiveFixInt || code is >= FormatUInt8 and <= FormatUInt64)
        {
            value = _reader.ReadUInt64();
        }
        else
        {
            long signed = _reader.ReadInt64();
            if (signed < 0)
            {
                return DecodeResult.MalformedField;
            }

            value = (ulong)signed;
        }

        return value <= max ? DecodeResult.Ok : DecodeResult.MalformedField;
    }

    //  float64 0xcb b*8   (float32 0xca b*4 and any integer form are accepted, then widened)
    /// <summary>Reads a finite double.</summary>
    internal DecodeResult TryReadFiniteDouble(out double value)
    {
        value = 0;
        if (End)
        {
            return DecodeResult.MalformedField;
        }

        byte code = PeekCode();
        int size = code switch
        {
            FormatFloat32 => 5,
            FormatFloat64 => 9,
            _ => IntegerSize(code),
        };
        if (size == 0 || Remaining < size)
        {
            return DecodeResult.MalformedField;
        }

        value = _reader.ReadDouble();
        return double.IsFinite(value) ? DecodeResult.Ok : DecodeResult.MalformedField;
    }

    //  bin8  0xc4 len:u8    bytes…
    //  bin16 0xc5 len:u16be bytes…
    //  bin32 0xc6 len:u32be bytes…
    /// <summary>
    /// Reads a bin value as a slice of the body. The length is checked against <paramref name="maxLength"/>
    /// (<see cref="DecodeResult.LimitExceeded"/>) and then against the bytes left (<see cref="DecodeResult.MalformedField"/>)
    /// before the content is touched.
    /// </summary>
    internal DecodeResult TryReadBin(int maxLength, out ReadOnlySequence<byte> bytes)
    {
        bytes = default;
        if (End)
        {
            return DecodeResult.MalformedField;
        }

        int lengthSize = PeekCode() switch
        {
            FormatBin8 => 1,
            FormatBin16 => 2,
            FormatBin32 => 4,
            _ => 0,
        };
        long remaining = Remaining;
        if (lengthSize == 0 || remaining < 1 + lengthSize)
        {
            return DecodeResult.MalformedField;
        }

        Span<byte> scratch = stackalloc byte[5];
        ReadOnlySpan<byte> header = Peek(1 + lengthSize, scratch);
        uint length = lengthSize switch
        {
            1 => header[1],
            2 => BinaryPrimitives.ReadUInt16BigEndian(header[1..]),
            _ => BinaryPrimitives.ReadUInt32BigEndian(header[1..]),
        };
        if (length > (uint)maxLength)
        {
            return DecodeResult.LimitExceeded;
        }

        if (length > remaining - 1 - lengthSize)
        {
            return DecodeResult.MalformedField;
        }

        _reader.ReadRaw(1 + lengthSize);
        bytes = _reader.ReadRaw(length);
        return DecodeResult.Ok;
    }

    /// <summary>A NodeId is a bin of exactly 16 bytes (written as <c>c4 10</c> + 16 bytes); any other length is malformed.</summary>
    internal DecodeResult TryReadNodeId(out NodeId id)
    {
        id = default;
        Span<byte> scratch = stackalloc byte[NodeIdLength];
        if (Remaining >= NodeIdLength)
        {
            ReadOnlySpan<byte> value = Peek(NodeIdLength, scratch);
            if (value[0] == FormatBin8 && value[1] == NodeId.Size)
            {
                id = NodeId.Read(value[2..]);
                _reader.ReadRaw(NodeIdLength);
                return DecodeResult.Ok;
            }
        }

        // Longer bin forms of 16 bytes are legal MessagePack; anything else is malformed.
        if (TryReadBin(NodeId.Size, out ReadOnlySequence<byte> bytes) != DecodeResult.Ok || bytes.Length != NodeId.Size)
        {
            return DecodeResult.MalformedField;
        }

        bytes.CopyTo(scratch);
        id = NodeId.Read(scratch);
        return DecodeResult.Ok;
    }

    /// <summary>A route is a bin of 16·k bytes, k ≤ <paramref name="maxHops"/>.</summary>
    internal DecodeResult TryReadRoute(int maxHops, out ReadOnlySequence<byte> route)
    {
        DecodeResult result = TryReadBin(maxHops * NodeId.Size, out route);
        if (result == DecodeResult.Ok && route.Length % NodeId.Size != 0)
        {
            route = default;
            return DecodeResult.MalformedField;
        }

        return result;
    }

    /// <summary>Total encoded size of an integer given its format code, 0 if the code is not an integer.</summary>
    private static int IntegerSize(byte code) => code switch
    {
        <= FormatMaxPositiveFixInt or >= FormatMinNegativeFixInt => 1,
        FormatUInt8 or FormatInt8 => 2,
        FormatUInt16 or FormatInt16 => 3,
        FormatUInt32 or FormatInt32 => 5,
        FormatUInt64 or FormatInt64 => 9,
        _ => 0,
    };

    /// <summary>The next format code; the caller checked that a byte remains.</summary>
    private readonly byte PeekCode() => _isContiguous ? _contiguous[(int)_reader.Consumed] : _reader.NextCode;

    /// <summary>The next <paramref name="count"/> bytes without consuming them; the caller checked they exist.</summary>
    private readonly ReadOnlySpan<byte> Peek(int count, Span<byte> scratch)
    {
        if (_isContiguous)
        {
            return _contiguous.Slice((int)_reader.Consumed, count);
        }

        MessagePackReader copy = _reader;
        copy.ReadRaw(count).CopyTo(scratch);
        return scratch[..count];
    }
}
