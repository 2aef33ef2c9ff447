using System.Buffers.Binary;

namespace RtcScamp.Wire.Signaling;

/// <summary>
/// Bytes ⇄ letters and digits, in independent 8-byte blocks: every full block of 8 bytes becomes
/// 11 base-62 digits (62^11 ≥ 2^64), and a final partial block of n bytes becomes the fewest digits
/// that hold 8n bits. Only <c>0-9 A-Z a-z</c> appear, so the text has no character that a mail
/// client wraps on, a word processor turns into a typographic one, Markdown reads as markup, or
/// a double-click stops at.
/// <code>
///   bytes  | b0 b1 b2 b3 b4 b5 b6 b7 | b8 b9 b10 |
///   value  |   big-endian u64 V0     | u24 V1    |
///   digits | d0 d1 ... d10 (V0 base62, MSB first) | e0..e4 (V1) |
/// </code>
/// Each group has exactly one spelling (a value too large for its group is rejected), so changing
/// any character changes the decoded bytes or makes decoding fail.
/// </summary>
internal static class Base62Blocks
{
    /// <summary>Digits for a full 8-byte block.</summary>
    public const int BlockChars = 11;

    /// <summary>The alphabet, in digit order.</summary>
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // Digits needed for a group of n bytes (index n): ceil(8n / log2 62).
    private static ReadOnlySpan<byte> GroupChars => [0, 2, 3, 5, 6, 7, 9, 10, 11];

    /// <summary>The digit value of <paramref name="c"/>, or -1 if it is not in the alphabet.</summary>
    public static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        >= 'a' and <= 'z' => c - 'a' + 36,
        _ => -1,
    };

    /// <summary>Characters that encode <paramref name="byteCount"/> bytes.</summary>
    public static int EncodedLength(int byteCount) => (byteCount / 8 * BlockChars) + GroupChars[byteCount % 8];

    /// <summary>Bytes encoded by <paramref name="charCount"/> characters, or -1 if no byte count encodes to that length.</summary>
    public static int DecodedLength(int charCount)
    {
        int tail = charCount % BlockChars;
        for (int n = 0; n < 8; n++)
        {
            if (GroupChars[n] == tail)
            {
                return (charCount / BlockChars * 8) + n;
            }
        }

        return -1;
    }

    /// <summary>Encodes <paramref name="source"/> into exactly <see cref="EncodedLength"/> characters.</summary>
    public static void Encode(ReadOnlySpan<byte> source, Span<char> destination)
    {
        while (source.Length > 0)
        {
            int n = Math.Min(8, source.Length);
            int digits = GroupChars[n];
            ulong value = 0;
            for (int i = 0; i < n; i++)
            {
                value = (value << 8) | source[i];
            }

            for (int i = digits - 1; i >= 0; i--)
            {
                // Division by a constant: the JIT turns it into a multiply-high.
                ulong quotient = value / 62UL;
                destination[i] = Alphabet[(int)(value - (quotient * 62UL))];
                value = quotient;
            }

            source = source[n..];
            destination = destination[digits..];
        }
    }

    /// <summary>
    /// Decodes characters already checked to be in the alphabet and of a valid length.
    /// Returns -1 on success, or the index of the first character of a group whose value is too
    /// large for its size (a spelling the encoder never produces).
    /// </summary>
    public static int Decode(ReadOnlySpan<char> source, Span<byte> destination)
    {
        int offset = 0;
        while (offset < source.Length)
        {
            int digits = Math.Min(BlockChars, source.Length - offset);
            int n = digits == BlockChars ? 8 : DecodedLength(digits);
            if (!TryDecodeGroup(source.Slice(offset, digits), n, out ulong value))
            {
                return offset;
            }

            if (n == 8)
            {
                BinaryPrimitives.WriteUInt64BigEndian(destination, value);
            }
            else
            {
                for (int i = n - 1; i >= 0; i--)
                {
                    destination[i] = (byte)value;
                    value >>= 8;
                }
            }

            destination = destination[n..];
            offset += digits;
        }

        return -1;
    }

    /// <summary>Decodes one group of <paramref name="byteCount"/> bytes; false if its value does not fit.</summary>
    public static bool TryDecodeGroup(ReadOnlySpan<char> digits, int byteCount, out ulong value)
    {
        value = 0;
        int last = digits.Length - 1;
        for (int i = 0; i < last; i++)
        {
            // At most 10 digits here, and 62^10 < 2^64: no overflow possible.
            value = (value * 62UL) + (ulong)DigitValue(digits[i]);
        }

        if (last >= 0)
        {
            ulong high = Math.BigMul(value, 62UL, out ulong low);
            ulong sum = low + (ulong)DigitValue(digits[last]);
            if (high != 0 || sum < low)
            {
                return false;
            }

            value = sum;
        }

        return byteCount == 8 || value >> (8 * byteCount) == 0;
    }
}
