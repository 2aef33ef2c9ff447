using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>
/// The SCTP common header and chunk framing (RFC 4960 §3.1–3.2). A packet is validated as a whole
/// before any chunk is acted on: checksum, then every chunk length must be at least 4 and end inside
/// the packet. A packet that fails either check is dropped entirely.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Source Port Number        |     Destination Port Number   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Verification Tag                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum (CRC32c, written little-endian)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Chunk Type   | Chunk Flags   |        Chunk Length           |  } repeated, each padded
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  } to a multiple of 4
/// |                    Chunk Value (Length - 4 bytes)             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class SctpPacket
{
    /// <summary>Why a packet was dropped before its chunks were looked at.</summary>
    public enum Check
    {
        Ok,
        TooShort,
        BadChecksum,
        BadChunkLength,
        NoChunks,
    }

    /// <summary>Checks length, checksum and chunk framing.</summary>
    public static Check Validate(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < SctpWire.CommonHeaderLength + SctpWire.ChunkHeaderLength)
        {
            return packet.Length < SctpWire.CommonHeaderLength ? Check.TooShort : Check.NoChunks;
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]);
        uint crc = Crc32c.Update(0xFFFFFFFFu, packet[..8]);
        crc = Crc32c.Update(crc, [0, 0, 0, 0]);
        crc = ~Crc32c.Update(crc, packet[12..]);
        if (crc != stored)
        {
            return Check.BadChecksum;
        }

        int offset = SctpWire.CommonHeaderLength;
        while (offset < packet.Length)
        {
            if (packet.Length - offset < SctpWire.ChunkHeaderLength)
            {
                return Check.BadChunkLength;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            if (length < SctpWire.ChunkHeaderLength || length > packet.Length - offset)
            {
                return Check.BadChunkLength;
            }

            offset += Math.Min(SctpWire.Pad4(length), packet.Length - offset);
        }

        return Check.Ok;
    }

    public static uint VerificationTag(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);

    public static ushort SourcePort(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet);

    public static ushort DestinationPort(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);

    /// <summary>Writes the common header with a zero checksum; <see cref="Seal"/> fills it in.</summary>
    public static void WriteHeader(Span<byte> packet, ushort sourcePort, ushort destinationPort, uint verificationTag)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], verificationTag);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], 0);
    }

    /// <summary>Computes the CRC32c over the finished packet (checksum field zero) and stores it.</summary>
    public static void Seal(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], Crc32c.Compute(packet));
    }

    /// <summary>Writes a chunk header; returns the offset of the chunk value.</summary>
    public static int WriteChunkHeader(Span<byte> packet, int offset, SctpChunkType type, byte flags, int length)
    {
        packet[offset] = (byte)type;
        packet[offset + 1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(packet[(offset + 2)..], (ushort)length);
        return offset + SctpWire.ChunkHeaderLength;
    }

    /// <summary>Zero-fills the padding after a chunk of <paramref name="length"/> bytes; returns the next chunk offset.</summary>
    public static int EndChunk(Span<byte> packet, int offset, int length)
    {
        int padded = SctpWire.Pad4(length);
        packet.Slice(offset + length, padded - length).Clear();
        return offset + padded;
    }
}

/// <summary>
/// Walks the chunks of a packet that <see cref="SctpPacket.Validate"/> accepted. No allocation;
/// each step yields the chunk type, flags and value (without header or padding).
/// </summary>
internal ref struct SctpChunkReader
{
    private readonly ReadOnlySpan<byte> _packet;
    private int _offset;

    public SctpChunkReader(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
        _offset = SctpWire.CommonHeaderLength;
    }

    public byte Type { get; private set; }

    public byte Flags { get; private set; }

    public ReadOnlySpan<byte> Value { get; private set; }

    public bool MoveNext()
    {
        if (_packet.Length - _offset < SctpWire.ChunkHeaderLength)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_packet[(_offset + 2)..]);
        if (length < SctpWire.ChunkHeaderLength || length > _packet.Length - _offset)
        {
            return false;
        }

        Type = _packet[_offset];
        Flags = _packet[_offset + 1];
        Value = _packet.Slice(_offset + SctpWire.ChunkHeaderLength, length - SctpWire.ChunkHeaderLength);
        _offset += Math.Min(SctpWire.Pad4(length), _packet.Length - _offset);
        return true;
    }
}

/// <summary>
/// Walks type-length-value parameters inside a chunk value (RFC 4960 §3.2.1), stopping at the first
/// one whose length is below 4 or runs past the end.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Parameter Type       |       Parameter Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             Parameter Value (Length - 4 bytes, padded)        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal ref struct SctpParameterReader
{
    private readonly ReadOnlySpan<byte> _parameters;
    private int _offset;

    public SctpParameterReader(ReadOnlySpan<byte> parameters)
    {
        _parameters = parameters;
        _offset = 0;
    }

    public ushort Type { get; private set; }

    public ReadOnlySpan<byte> Value { get; private set; }

    public bool MoveNext()
    {
        if (_parameters.Length - _offset < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_parameters[(_offset + 2)..]);
        if (length < 4 || length > _parameters.Length - _offset)
        {
            return false;
        }

        Type = BinaryPrimitives.ReadUInt16BigEndian(_parameters[_offset..]);
        Value = _parameters.Slice(_offset + 4, length - 4);
        _offset += Math.Min(SctpWire.Pad4(length), _parameters.Length - _offset);
        return true;
    }
}
