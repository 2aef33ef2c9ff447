namespace RtcScamp.Wire.Checksums;

/// <summary>
/// CRC-32 as ISO 3309 / ITU-T V.42 / IEEE 802.3 / zlib define it (reflected polynomial 0xEDB88320,
/// initial and final XOR 0xFFFFFFFF). Two users: the STUN FINGERPRINT attribute (RFC 8489 §14.7) and
/// the checksum of the compact signaling string, where it detects every error burst of up to 32 bits,
/// hence every change confined to one 8-bit character. Byte-at-a-time with a 1 KiB table: both inputs
/// are small, so a sliced variant would not pay off.
/// </summary>
public static class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    /// <summary>CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint[] table = s_table;
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    /// <summary>CRC-32 of the low byte of each character of <paramref name="text"/> (meant for ASCII text).</summary>
    public static uint OfAscii(ReadOnlySpan<char> text)
    {
        uint[] table = s_table;
        uint crc = 0xFFFFFFFFu;
        foreach (char c in text)
        {
            crc = table[(crc ^ (byte)c) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
