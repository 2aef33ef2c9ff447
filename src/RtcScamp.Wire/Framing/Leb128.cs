using System.Buffers;

namespace RtcScamp.Wire.Framing;

/// <summary>
/// Unsigned LEB128 (DWARF 5, section 7.6 "Variable Length Data") as used for frame lengths: 7 value bits per
/// byte, least significant group first, high bit set on every byte but the last. RtcScamp additionally requires the minimal encoding (no final
/// 0x00 group after the first byte) and at most 5 bytes (35 bits, enough for any <see cref="int"/> length).
/// </summary>
internal static class Leb128
{
    /// <summary>Longest prefix accepted, in bytes.</summary>
    internal const int MaxLength = 5;

    //  byte:  1 ggggggg     1 ggggggg     …     0 ggggggg        (final group non-zero unless it is the only byte)
    //         bits 0..6     bits 7..13          bits 7k..7k+6
    /// <summary>
    /// Reads a length prefix at the start of <paramref name="buffer"/>. Rejects a value above <paramref name="max"/>
    /// as soon as the bytes seen prove it: after k continuation bytes a minimal encoding is at least 2^(7k),
    /// so a 1 MiB limit turns a long prefix away after its third byte without waiting for the rest.
    /// </summary>
    internal static FrameResult TryRead(in ReadOnlySequence<byte> buffer, long max, out long value, out int length)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= MaxLength || buffer.IsSingleSegment)
        {
            return TryRead(first, max, out value, out length);
        }

        Span<byte> scratch = stackalloc byte[MaxLength];
        int available = (int)Math.Min(buffer.Length, MaxLength);
        buffer.Slice(0, available).CopyTo(scratch);
        return TryRead(scratch[..available], max, out value, out length);
    }

    /// <inheritdoc cref="TryRead(in ReadOnlySequence{byte}, long, out long, out int)"/>
    internal static FrameResult TryRead(ReadOnlySpan<byte> bytes, long max, out long value, out int length)
    {
        value = 0;
        length = 0;
        for (int i = 0; i < MaxLength; i++)
        {
            if (i >= bytes.Length)
            {
                value = 0;
                return FrameResult.NeedMoreData;
            }

            byte b = bytes[i];
            value |= (long)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    value = 0;
                    return FrameResult.MalformedLength;
                }

                if (value > max)
                {
                    value = 0;
                    return FrameResult.FrameTooLarge;
                }

                length = i + 1;
                return FrameResult.Ok;
            }

            if (i + 1 < MaxLength && value + (1L << (7 * (i + 1))) > max)
            {
                value = 0;
                return FrameResult.FrameTooLarge;
            }
        }

        value = 0;
        return FrameResult.MalformedLength;
    }

    /// <summary>Bytes needed to encode <paramref name="value"/>.</summary>
    internal static int GetLength(uint value) => value switch
    {
        < 1u << 7 => 1,
        < 1u << 14 => 2,
        < 1u << 21 => 3,
        < 1u << 28 => 4,
        _ => 5,
    };

    /// <summary>Writes the minimal encoding of <paramref name="value"/>; returns the bytes written.</summary>
    internal static int Write(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
