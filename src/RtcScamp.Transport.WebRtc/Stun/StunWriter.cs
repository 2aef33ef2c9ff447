using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using RtcScamp.Wire.Checksums;

namespace RtcScamp.Transport.WebRtc.Stun;

/// <summary>
/// Builds one STUN message into a caller-owned buffer, attribute by attribute, with no allocation.
/// Call <see cref="StunWriter(Span{byte}, ushort, ReadOnlySpan{byte})"/>, then the <c>Write…</c>
/// methods, then optionally <see cref="WriteMessageIntegrity"/> and <see cref="WriteFingerprint"/>
/// (in that order, last); <see cref="Length"/> is the message size. The header length field is kept
/// current after every attribute. A buffer too small for the message is caller misuse and throws.
/// </summary>
/// <remarks>
/// <code>
///  buffer: [hdr: type | length | cookie | txid][attr][attr]...[MI: HMAC over hdr'..attr][FP: CRC ^ 0x5354554E]
///                      ^ rewritten after each attribute, so MI and FP see the length RFC 8489 §14.5/§14.7 demand
/// </code>
/// </remarks>
public ref struct StunWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Starts a message of <paramref name="messageType"/> with the given 12-byte transaction id.</summary>
    public StunWriter(Span<byte> buffer, ushort messageType, ReadOnlySpan<byte> transactionId)
    {
        if (buffer.Length < StunProtocol.HeaderSize)
        {
            ThrowTooSmall();
        }

        if (transactionId.Length != StunProtocol.TransactionIdSize)
        {
            ThrowBadTransactionId();
        }

        _buffer = buffer.Length > StunProtocol.MaxMessageSize ? buffer[..StunProtocol.MaxMessageSize] : buffer;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer, messageType);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], StunProtocol.MagicCookie);
        transactionId.CopyTo(_buffer[8..]);
        _position = StunProtocol.HeaderSize;
    }

    /// <summary>Bytes written so far (the message size once complete).</summary>
    public readonly int Length => _position;

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Writes an arbitrary attribute (value padded with zeros).</summary>
    public void WriteAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> v = Begin(type, value.Length);
        value.CopyTo(v);
    }

    /// <summary>USERNAME from raw bytes.</summary>
    public void WriteUsername(ReadOnlySpan<byte> username)
    {
        if (username.Length > StunProtocol.MaxUsernameLength)
        {
            ThrowTooLong();
        }

        WriteAttribute(StunAttributeType.Username, username);
    }

    /// <summary>USERNAME "<paramref name="first"/>:<paramref name="second"/>" (RFC 8445 §7.2.2), ASCII ufrags.</summary>
    public void WriteUsername(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        int length = first.Length + 1 + second.Length;
        if (length > StunProtocol.MaxUsernameLength)
        {
            ThrowTooLong();
        }

        Span<byte> v = Begin(StunAttributeType.Username, length);
        first.CopyTo(v);
        v[first.Length] = (byte)':';
        second.CopyTo(v[(first.Length + 1)..]);
    }

    /// <summary>PRIORITY (32-bit big-endian).</summary>
    public void WritePriority(uint priority) =>
        BinaryPrimitives.WriteUInt32BigEndian(Begin(StunAttributeType.Priority, 4), priority);

    /// <summary>ICE-CONTROLLING with the agent's tie-breaker.</summary>
    public void WriteIceControlling(ulong tieBreaker) =>
        BinaryPrimitives.WriteUInt64BigEndian(Begin(StunAttributeType.IceControlling, 8), tieBreaker);

    /// <summary>ICE-CONTROLLED with the agent's tie-breaker.</summary>
    public void WriteIceControlled(ulong tieBreaker) =>
        BinaryPrimitives.WriteUInt64BigEndian(Begin(StunAttributeType.IceControlled, 8), tieBreaker);

    /// <summary>USE-CANDIDATE (empty value).</summary>
    public void WriteUseCandidate() => Begin(StunAttributeType.UseCandidate, 0);

    /// <summary>
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): port XOR the cookie's high 16 bits, address XOR the cookie
    /// (IPv4) or cookie ‖ transaction id (IPv6).
    /// <code>
    ///  | 0x00 | family | X-Port (16) | X-Address (32 or 128) |
    /// </code>
    /// </summary>
    public void WriteXorMappedAddress(IPEndPoint endPoint)
    {
        Span<byte> address = stackalloc byte[16];
        IPAddress ip = endPoint.Address;
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (!ip.TryWriteBytes(address, out int addressLength))
        {
            ThrowTooSmall();
        }

        Span<byte> v = Begin(StunAttributeType.XorMappedAddress, 4 + addressLength);
        v[0] = 0;
        v[1] = ip.AddressFamily == AddressFamily.InterNetwork ? (byte)0x01 : (byte)0x02;
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)(endPoint.Port ^ (int)(StunProtocol.MagicCookie >> 16)));
        ReadOnlySpan<byte> key = _buffer.Slice(4, 16);
        for (int i = 0; i < addressLength; i++)
        {
            v[4 + i] = (byte)(address[i] ^ key[i]);
        }
    }

    /// <summary>
    /// ERROR-CODE (RFC 8489 §14.8) with a UTF-8 reason phrase.
    /// <code>
    ///  | 0 (21 bits) | class (3) | number (8) | reason phrase... |
    /// </code>
    /// </summary>
    public void WriteErrorCode(int code, ReadOnlySpan<byte> reason)
    {
        if (code is < 300 or > 699 || reason.Length > 763)
        {
            ThrowBadErrorCode();
        }

        Span<byte> v = Begin(StunAttributeType.ErrorCode, 4 + reason.Length);
        v[0] = 0;
        v[1] = 0;
        v[2] = (byte)(code / 100);
        v[3] = (byte)(code % 100);
        reason.CopyTo(v[4..]);
    }

    /// <summary>UNKNOWN-ATTRIBUTES listing one type (for a 420 response).</summary>
    public void WriteUnknownAttributes(ushort type) =>
        BinaryPrimitives.WriteUInt16BigEndian(Begin(StunAttributeType.UnknownAttributes, 2), type);

    /// <summary>
    /// MESSAGE-INTEGRITY: HMAC-SHA1 keyed with <paramref name="key"/> over everything written so far,
    /// with the header length already counting this attribute (RFC 8489 §14.5).
    /// </summary>
    public void WriteMessageIntegrity(ReadOnlySpan<byte> key)
    {
        int start = _position;
        Span<byte> v = Begin(StunAttributeType.MessageIntegrity, StunProtocol.IntegritySize);
#pragma warning disable CA5350 // STUN MESSAGE-INTEGRITY is HMAC-SHA1 by definition (RFC 8489 §14.5); interop needs it.
        HMACSHA1.HashData(key, _buffer[..start], v);
#pragma warning restore CA5350
    }

    /// <summary>FINGERPRINT: CRC-32 of everything before it, XOR 0x5354554E (RFC 8489 §14.7). Must be last.</summary>
    public void WriteFingerprint()
    {
        int start = _position;
        Span<byte> v = Begin(StunAttributeType.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(v, Crc32.Compute(_buffer[..start]) ^ StunProtocol.FingerprintXor);
    }

    private Span<byte> Begin(ushort type, int valueLength)
    {
        int padded = (valueLength + 3) & ~3;
        if (_buffer.Length - _position < 4 + padded)
        {
            ThrowTooSmall();
        }

        Span<byte> attribute = _buffer.Slice(_position, 4 + padded);
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)valueLength);
        attribute[(4 + valueLength)..].Clear();
        _position += 4 + padded;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_position - StunProtocol.HeaderSize));
        return attribute.Slice(4, valueLength);
    }

    [DoesNotReturn]
    private static void ThrowTooSmall() => throw new ArgumentException("The buffer is too small for this STUN message.");

    [DoesNotReturn]
    private static void ThrowTooLong() => throw new ArgumentException("USERNAME longer than 512 bytes.");

    [DoesNotReturn]
    private static void ThrowBadTransactionId() => throw new ArgumentException("A STUN transaction id is 12 bytes.");

    [DoesNotReturn]
    private static void ThrowBadErrorCode() => throw new ArgumentOutOfRangeException(nameof(WriteErrorCode), "ERROR-CODE must be 300..699 with a reason of at most 763 bytes.");
}
