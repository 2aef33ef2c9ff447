using System.Buffers;
using System.Buffers.Binary;
using static RtcScamp.Wire.Codec.MessagePackFields;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// The fast path of the codec's writer: MessagePack format codes written straight into one span that the caller
/// sized with <see cref="MessageCodec.GetEncodedLength(in Messages.WireMessage, WireLimits)"/>, so no value
/// needs a capacity check of its own (the span's bounds checks remain). Produces exactly the bytes
/// <see cref="MessagePackFieldWriter"/> produces.
/// </summary>
internal ref struct MessageSpanWriter : IMessageFieldWriter
{
    private readonly Span<byte> _span;
    private int _position;

    /// <summary>Writes into <paramref name="destination"/>, which must hold the whole message.</summary>
    internal MessageSpanWriter(Span<byte> destination)
    {
        _span = destination;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    internal readonly int Written => _position;

    //  fixarray 1001xxxx
    public void WriteArrayHeader(int count) => _span[_position++] = (byte)(FormatMinFixArray | count);

    //  0xxxxxxx | cc b | cd b b | ce b*4 | cf b*8     (big-endian, shortest form)
    public void WriteUInt(ulong value)
    {
        Span<byte> span = _span[_position..];
        if (value <= FormatMaxPositiveFixInt)
        {
            span[0] = (byte)value;
            _position++;
        }
        else if (value <= byte.MaxValue)
        {
            span[1] = (byte)value;
            span[0] = FormatUInt8;
            _position += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)value);
            span[0] = FormatUInt16;
            _position += 3;
        }
        else if (value <= uint.MaxValue)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)value);
            span[0] = FormatUInt32;
            _position += 5;
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], value);
            span[0] = FormatUInt64;
            _position += 9;
        }
    }

    //  cb b*8
    public void WriteDouble(double value)
    {
        Span<byte> span = _span.Slice(_position, DoubleLength);
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        span[0] = FormatFloat64;
        _position += DoubleLength;
    }

    //  c4 10 id:16
    public void WriteNodeId(NodeId id)
    {
        Span<byte> span = _span.Slice(_position, NodeIdLength);
        id.Write(span[2..]);
        span[0] = FormatBin8;
        span[1] = NodeId.Size;
        _position += NodeIdLength;
    }

    //  c4 len:u8 | c5 len:u16be | c6 len:u32be, then the bytes
    public void WriteBin(in ReadOnlySequence<byte> bytes)
    {
        int length = (int)bytes.Length;
        Span<byte> span = _span[_position..];
        int header;
        if (length <= byte.MaxValue)
        {
            span[1] = (byte)length;
            span[0] = FormatBin8;
            header = 2;
        }
        else if (length <= ushort.MaxValue)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            span[0] = FormatBin16;
            header = 3;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            span[0] = FormatBin32;
            header = 5;
        }

        bytes.CopyTo(span[header..]);

        _position += header + length;
    }
}
