namespace RtcScamp.Wire.Signaling;

/// <summary>
/// CRC-32 as in IEEE 802.3 / zlib (reflected polynomial 0xEDB88320, initial and final value
/// 0xFFFFFFFF). It detects every error burst of up to 32 bits, hence every change confined to
/// one 8-bit character of the signaling text.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    /// <summary>The CRC-32 of the low byte of each character (the text is ASCII).</summary>
    public static uint OfAscii(ReadOnlySpan<char> text)
    {
        uint crc = 0xFFFFFFFFu;
        uint[] table = s_table;
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
