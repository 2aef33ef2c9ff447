using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc.Identity;

/// <summary>
/// The SHA-256 fingerprint of a DER certificate, as signaled in SDP (RFC 8122 §5, RFC 8842 §5):
/// <c>a=fingerprint:sha-256 AB:CD:...:EF</c>. Held inline (four 64-bit words), so it costs no allocation.
/// </summary>
/// <remarks>
/// Text form: 32 bytes, each as two upper-case hex digits, separated by ':' (95 characters).
/// <code>
///   "AB:CD:01: ... :EF"    byte i ⇄ chars [3i, 3i+2), ':' at 3i+2 for i &lt; 31
/// </code>
/// Parsing accepts either case (RFC 8122 §5 says hex is case-insensitive).
/// </remarks>
public readonly struct CertificateFingerprint : IEquatable<CertificateFingerprint>
{
    /// <summary>Length of the raw fingerprint, in bytes.</summary>
    public const int Size = 32;

    /// <summary>Length of the SDP text form, in characters.</summary>
    public const int TextLength = (Size * 3) - 1;

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    /// <summary>Creates a fingerprint from its 32 raw bytes.</summary>
    public CertificateFingerprint(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            ThrowWrongSize();
        }

        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>True for the default (all-zero) value, which no real certificate has.</summary>
    public bool IsEmpty => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>SHA-256 over the certificate's DER encoding.</summary>
    public static CertificateFingerprint Of(ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(certificateDer, hash);
        return new CertificateFingerprint(hash);
    }

    /// <summary>Parses the SDP form (<c>AB:CD:...</c>, 95 characters, hex in either case).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out CertificateFingerprint fingerprint)
    {
        fingerprint = default;
        if (text.Length != TextLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        for (int i = 0; i < Size; i++)
        {
            int hi = HexValue(text[3 * i]);
            int lo = HexValue(text[(3 * i) + 1]);
            if (hi < 0 || lo < 0 || (i < Size - 1 && text[(3 * i) + 2] != ':'))
            {
                return false;
            }

            bytes[i] = (byte)((hi << 4) | lo);
        }

        fingerprint = new CertificateFingerprint(bytes);
        return true;
    }

    /// <summary>Writes the 32 raw bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            ThrowWrongSize();
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>The 32 raw bytes in a new array.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The SDP form: upper-case hex pairs separated by ':'.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return SignalingBlob.FormatFingerprint(bytes);
    }

    /// <summary>Compares in constant time (the value pins a peer's key).</summary>
    public bool Equals(CertificateFingerprint other)
    {
        ulong diff = (_w0 ^ other._w0) | (_w1 ^ other._w1) | (_w2 ^ other._w2) | (_w3 ^ other._w3);
        return diff == 0;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CertificateFingerprint other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)(_w0 ^ (_w0 >> 32));

    public static bool operator ==(CertificateFingerprint left, CertificateFingerprint right) => left.Equals(right);

    public static bool operator !=(CertificateFingerprint left, CertificateFingerprint right) => !left.Equals(right);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    [DoesNotReturn]
    private static void ThrowWrongSize() => throw new ArgumentException("A SHA-256 fingerprint has 32 bytes.");
}
