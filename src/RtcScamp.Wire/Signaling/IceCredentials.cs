using System.Security.Cryptography;

namespace RtcScamp.Wire.Signaling;

/// <summary>
/// ICE username fragment and password rules (RFC 8839 §5.4: <c>ice-char = ALPHA / DIGIT / "+" / "/"</c>,
/// ufrag 4–256 chars with ≥ 24 random bits, pwd 22–256 chars with ≥ 128 random bits) and the
/// derivation RtcScamp peers use so that a blob carries a 16-byte secret instead of both strings:
/// <code>
///   h     = SHA-256("RtcScamp ICE v1" 0x00 || secret[16])
///   ufrag = ice-chars of h bits   0.. 47  (8 chars, 48 bits)
///   pwd   = ice-chars of h bits  48..191  (24 chars, 144 bits; entropy = the 128-bit secret)
/// </code>
/// ice-chars map 6-bit values in base64 order: A–Z = 0–25, a–z = 26–51, 0–9 = 52–61, + = 62, / = 63.
/// Every 6-bit value is an ice-char, so packed credentials need no escape.
/// </summary>
public static class IceCredentials
{
    /// <summary>Bytes in the secret a derived blob carries.</summary>
    public const int SecretLength = 16;

    /// <summary>Length of a derived ufrag.</summary>
    public const int DerivedUfragLength = 8;

    /// <summary>Length of a derived pwd.</summary>
    public const int DerivedPasswordLength = 24;

    /// <summary>Shortest ufrag RFC 8839 allows.</summary>
    public const int MinUfragLength = 4;

    /// <summary>Longest ufrag a compact string carries (RFC 8839 allows 256; browsers use 4–16).</summary>
    public const int MaxUfragLength = 32;

    /// <summary>Shortest pwd RFC 8839 allows.</summary>
    public const int MinPasswordLength = 22;

    /// <summary>Longest pwd a compact string carries (RFC 8839 allows 256; browsers use 22–32).</summary>
    public const int MaxPasswordLength = 48;

    private const string IceCharAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private static ReadOnlySpan<byte> DerivationLabel => "RtcScamp ICE v1\0"u8;

    /// <summary>The ice-char for a 6-bit value (base64 order, see above).</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="value"/> is not in 0..63.</exception>
    public static char IceChar(int value) => IceCharAlphabet[value];

    /// <summary>True if <paramref name="c"/> is an ice-char (RFC 8839 §5.4).</summary>
    public static bool IsIceChar(char c) => IceCharValue(c) >= 0;

    /// <summary>True if every character is an ice-char.</summary>
    public static bool AreIceChars(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (IceCharValue(c) < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Derives ufrag (8 chars) and pwd (24 chars) from a 16-byte secret into caller buffers.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong secret length or buffers too small.</exception>
    public static void Derive(ReadOnlySpan<byte> secret, Span<char> ufrag, Span<char> password)
    {
        if (secret.Length != SecretLength || ufrag.Length < DerivedUfragLength || password.Length < DerivedPasswordLength)
        {
            throw new ArgumentException("Derivation needs a 16-byte secret, 8 chars for the ufrag and 24 for the pwd.");
        }

        Span<byte> input = stackalloc byte[16 + SecretLength];
        DerivationLabel.CopyTo(input);
        secret.CopyTo(input[16..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        UnpackIceChars(hash[..6], ufrag[..DerivedUfragLength]);
        UnpackIceChars(hash.Slice(6, 18), password[..DerivedPasswordLength]);
    }

    /// <summary>Derives ufrag and pwd from a 16-byte secret as strings (allocates).</summary>
    public static (string Ufrag, string Password) Derive(ReadOnlySpan<byte> secret)
    {
        Span<char> ufrag = stackalloc char[DerivedUfragLength];
        Span<char> pwd = stackalloc char[DerivedPasswordLength];
        Derive(secret, ufrag, pwd);
        return (new string(ufrag), new string(pwd));
    }

    /// <summary>The 6-bit value of an ice-char, or -1.</summary>
    internal static int IceCharValue(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '+' => 62,
        '/' => 63,
        _ => -1,
    };

    /// <summary>Bytes that hold <paramref name="charCount"/> packed ice-chars.</summary>
    internal static int PackedLength(int charCount) => ((charCount * 6) + 7) / 8;

    /// <summary>
    /// Packs ice-chars MSB-first at 6 bits each; the unused low bits of the last byte are zero.
    /// The caller has checked every char with <see cref="IsIceChar"/>.
    /// </summary>
    internal static void PackIceChars(ReadOnlySpan<char> chars, Span<byte> destination)
    {
        int bits = 0;
        uint acc = 0;
        int o = 0;
        foreach (char c in chars)
        {
            acc = (acc << 6) | (uint)IceCharValue(c);
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                destination[o++] = (byte)(acc >> bits);
            }
        }

        if (bits > 0)
        {
            destination[o] = (byte)(acc << (8 - bits));
        }
    }

    /// <summary>
    /// Unpacks <c>destination.Length</c> ice-chars. Returns false if the unused low bits of the last
    /// byte are not zero (a non-canonical packing).
    /// </summary>
    internal static bool UnpackIceChars(ReadOnlySpan<byte> source, Span<char> destination)
    {
        int bits = 0;
        uint acc = 0;
        int i = 0;
        for (int k = 0; k < destination.Length; k++)
        {
            if (bits < 6)
            {
                acc = (acc << 8) | source[i++];
                bits += 8;
            }

            bits -= 6;
            destination[k] = IceCharAlphabet[(int)((acc >> bits) & 0x3F)];
        }

        return (acc & ((1u << bits) - 1)) == 0;
    }
}
