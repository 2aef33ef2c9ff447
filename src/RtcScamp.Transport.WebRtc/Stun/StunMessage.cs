using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using RtcScamp.Wire.Checksums;

namespace RtcScamp.Transport.WebRtc.Stun;

/// <summary>
/// A validated, read-only view over one STUN message in a caller's buffer (no copy, no allocation).
/// <see cref="TryParse"/> walks the attributes once (bounded by <see cref="StunProtocol.MaxAttributes"/>),
/// checks the lengths of every attribute it knows, verifies FINGERPRINT if present, and remembers where
/// each known attribute sits. Only the first occurrence of an attribute counts (RFC 8489 §14);
/// attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored (RFC 8489 §14.5).
/// Unknown comprehension-optional attributes (≥ 0x8000) are skipped; the first unknown
/// comprehension-required one is reported in <see cref="UnknownRequiredAttribute"/> so a server can
/// answer 420 (RFC 8489 §6.3.1).
/// </summary>
/// <remarks>
/// The view is only valid while the underlying buffer is unchanged.
/// <code>
///  attribute walk:  [hdr 20][T L V pad][T L V pad]...[MESSAGE-INTEGRITY 24][FINGERPRINT 8]
///                            ^ offsets remembered per known type, -1 when absent
/// </code>
/// </remarks>
public readonly ref struct StunMessage
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _username;
    private readonly int _usernameLength;
    private readonly int _integrity;
    private readonly int _fingerprint;
    private readonly int _xorMapped;
    private readonly int _xorMappedLength;
    private readonly int _priority;
    private readonly int _controlling;
    private readonly int _controlled;
    private readonly int _errorCode;
    private readonly int _errorCodeLength;

    private StunMessage(ReadOnlySpan<byte> data, Offsets o)
    {
        _data = data;
        _username = o.Username;
        _usernameLength = o.UsernameLength;
        _integrity = o.Integrity;
        _fingerprint = o.Fingerprint;
        _xorMapped = o.XorMapped;
        _xorMappedLength = o.XorMappedLength;
        _priority = o.Priority;
        _controlling = o.Controlling;
        _controlled = o.Controlled;
        _errorCode = o.ErrorCode;
        _errorCodeLength = o.ErrorCodeLength;
        HasUseCandidate = o.UseCandidate;
        UnknownRequiredAttribute = o.UnknownRequired;
        HasUnknownRequiredAttribute = o.HasUnknownRequired;
    }

    /// <summary>The message type (class and method).</summary>
    public ushort MessageType => BinaryPrimitives.ReadUInt16BigEndian(_data);

    /// <summary>The message class.</summary>
    public StunClass Class => StunProtocol.ClassOf(MessageType);

    /// <summary>The message method (Binding is 1).</summary>
    public ushort Method => StunProtocol.MethodOf(MessageType);

    /// <summary>The 96-bit transaction id.</summary>
    public ReadOnlySpan<byte> TransactionId => _data.Slice(8, StunProtocol.TransactionIdSize);

    /// <summary>The whole message bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>True when USERNAME is present.</summary>
    public bool HasUsername => _username >= 0;

    /// <summary>USERNAME bytes (empty when absent).</summary>
    public ReadOnlySpan<byte> Username => _username >= 0 ? _data.Slice(_username, _usernameLength) : default;

    /// <summary>True when MESSAGE-INTEGRITY is present.</summary>
    public bool HasMessageIntegrity => _integrity >= 0;

    /// <summary>True when FINGERPRINT is present (and, since parsing succeeded, correct).</summary>
    public bool HasFingerprint => _fingerprint >= 0;

    /// <summary>True when PRIORITY is present.</summary>
    public bool HasPriority => _priority >= 0;

    /// <summary>PRIORITY value (0 when absent).</summary>
    public uint Priority => _priority >= 0 ? BinaryPrimitives.ReadUInt32BigEndian(_data[_priority..]) : 0;

    /// <summary>True when ICE-CONTROLLING is present.</summary>
    public bool HasIceControlling => _controlling >= 0;

    /// <summary>ICE-CONTROLLING tie-breaker (0 when absent).</summary>
    public ulong IceControlling => _controlling >= 0 ? BinaryPrimitives.ReadUInt64BigEndian(_data[_controlling..]) : 0;

    /// <summary>True when ICE-CONTROLLED is present.</summary>
    public bool HasIceControlled => _controlled >= 0;

    /// <summary>ICE-CONTROLLED tie-breaker (0 when absent).</summary>
    public ulong IceControlled => _controlled >= 0 ? BinaryPrimitives.ReadUInt64BigEndian(_data[_controlled..]) : 0;

    /// <summary>True when USE-CANDIDATE is present.</summary>
    public bool HasUseCandidate { get; }

    /// <summary>True when a comprehension-required attribute this codec does not know is present.</summary>
    public bool HasUnknownRequiredAttribute { get; }

    /// <summary>The first unknown comprehension-required attribute type, if any.</summary>
    public ushort UnknownRequiredAttribute { get; }

    /// <summary>True when XOR-MAPPED-ADDRESS is present.</summary>
    public bool HasXorMappedAddress => _xorMapped >= 0;

    /// <summary>True when ERROR-CODE is present.</summary>
    public bool HasErrorCode => _errorCode >= 0;

    /// <summary>ERROR-CODE as class*100+number (0 when absent), e.g. 487.</summary>
    public int ErrorCode => _errorCode >= 0 ? ((_data[_errorCode + 2] & 0x7) * 100) + _data[_errorCode + 3] : 0;

    /// <summary>ERROR-CODE reason phrase bytes (UTF-8).</summary>
    public ReadOnlySpan<byte> ErrorReason => _errorCode >= 0 ? _data.Slice(_errorCode + 4, _errorCodeLength - 4) : default;

    /// <summary>
    /// Parses and validates <paramref name="datagram"/>, which must be exactly one STUN message.
    /// Never throws on any input.
    /// </summary>
    public static StunParseError TryParse(ReadOnlySpan<byte> datagram, out StunMessage message)
    {
        message = default;
        if (datagram.Length < StunProtocol.HeaderSize)
        {
            return StunParseError.TooShort;
        }

        if (datagram.Length > StunProtocol.MaxMessageSize)
        {
            return StunParseError.TooLong;
        }

        if ((datagram[0] & 0xC0) != 0)
        {
            return StunParseError.NotStun;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) != StunProtocol.MagicCookie)
        {
            return StunParseError.BadMagicCookie;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if ((length & 3) != 0)
        {
            return StunParseError.UnalignedLength;
        }

        if (length + StunProtocol.HeaderSize != datagram.Length)
        {
            return StunParseError.LengthMismatch;
        }

        var o = new Offsets();
        int position = StunProtocol.HeaderSize;
        int count = 0;
        bool afterIntegrity = false;
        while (position < datagram.Length)
        {
            if (++count > StunProtocol.MaxAttributes)
            {
                return StunParseError.TooManyAttributes;
            }

            if (datagram.Length - position < 4)
            {
                return StunParseError.AttributeTruncated;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(datagram[position..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[(position + 2)..]);
            int value = position + 4;
            int padded = (valueLength + 3) & ~3;
            if (padded > datagram.Length - value)
            {
                return StunParseError.AttributeTruncated;
            }

            if (type == StunAttributeType.Fingerprint)
            {
                if (valueLength != 4)
                {
                    return StunParseError.BadAttributeLength;
                }

                if (value + 4 != datagram.Length)
                {
                    return StunParseError.AttributeAfterFingerprint;
                }

                uint expected = Crc32.Compute(datagram[..position]) ^ StunProtocol.FingerprintXor;
                if (BinaryPrimitives.ReadUInt32BigEndian(datagram[value..]) != expected)
                {
                    return StunParseError.BadFingerprint;
                }

                o.Fingerprint = position;
            }
            else if (!afterIntegrity)
            {
                StunParseError error = o.Record(datagram, type, position, value, valueLength);
                if (error != StunParseError.None)
                {
                    return error;
                }

                afterIntegrity = o.Integrity >= 0;
            }

            position = value + padded;
        }

        message = new StunMessage(datagram, o);
        return StunParseError.None;
    }

    /// <summary>
    /// Verifies MESSAGE-INTEGRITY with the short-term key (the ICE password bytes): HMAC-SHA1 over the
    /// message up to the attribute, with the header length adjusted to end just after it
    /// (RFC 8489 §14.5). False when absent or wrong. Constant-time comparison; no allocation.
    /// </summary>
    public bool VerifyIntegrity(ReadOnlySpan<byte> key)
    {
        if (_integrity < 0)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[StunProtocol.MaxMessageSize];
        prefix = prefix[.._integrity];
        _data[.._integrity].CopyTo(prefix);
        BinaryPrimitives.WriteUInt16BigEndian(prefix[2..], (ushort)(_integrity + 4 + StunProtocol.IntegritySize - StunProtocol.HeaderSize));
        Span<byte> mac = stackalloc byte[StunProtocol.IntegritySize];
#pragma warning disable CA5350 // STUN MESSAGE-INTEGRITY is HMAC-SHA1 by definition (RFC 8489 §14.5); interop needs it.
        HMACSHA1.HashData(key, prefix, mac);
#pragma warning restore CA5350
        return CryptographicOperations.FixedTimeEquals(mac, _data.Slice(_integrity + 4, StunProtocol.IntegritySize));
    }

    /// <summary>
    /// Decodes XOR-MAPPED-ADDRESS into <paramref name="address"/> (4 or 16 bytes written) and the port.
    /// False when absent. No allocation.
    /// </summary>
    public bool TryGetXorMappedAddress(Span<byte> address, out int addressLength, out int port)
    {
        addressLength = 0;
        port = 0;
        if (_xorMapped < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> v = _data.Slice(_xorMapped, _xorMappedLength);
        port = BinaryPrimitives.ReadUInt16BigEndian(v[2..]) ^ (int)(StunProtocol.MagicCookie >> 16);
        addressLength = v[1] == 0x01 ? 4 : 16;
        if (address.Length < addressLength)
        {
            addressLength = 0;
            return false;
        }

        // The XOR key is the magic cookie followed by the transaction id: header bytes 4..19.
        ReadOnlySpan<byte> key = _data.Slice(4, 16);
        for (int i = 0; i < addressLength; i++)
        {
            address[i] = (byte)(v[4 + i] ^ key[i]);
        }

        return true;
    }

    /// <summary>XOR-MAPPED-ADDRESS as an endpoint (allocates), or null when absent.</summary>
    public IPEndPoint? GetXorMappedEndPoint()
    {
        Span<byte> address = stackalloc byte[16];
        if (!TryGetXorMappedAddress(address, out int length, out int port))
        {
            return null;
        }

        return new IPEndPoint(new IPAddress(address[..length]), port);
    }

    /// <summary>True when the USERNAME's part before the first ':' equals <paramref name="ufrag"/>.</summary>
    public bool UsernameStartsWithUfrag(ReadOnlySpan<byte> ufrag)
    {
        ReadOnlySpan<byte> name = Username;
        int colon = name.IndexOf((byte)':');
        ReadOnlySpan<byte> first = colon >= 0 ? name[..colon] : name;
        return HasUsername && first.SequenceEqual(ufrag);
    }

    private struct Offsets
    {
        public int Username = -1;
        public int UsernameLength;
        public int Integrity = -1;
        public int Fingerprint = -1;
        public int XorMapped = -1;
        public int XorMappedLength;
        public int Priority = -1;
        public int Controlling = -1;
        public int Controlled = -1;
        public int ErrorCode = -1;
        public int ErrorCodeLength;
        public bool UseCandidate;
        public bool HasUnknownRequired;
        public ushort UnknownRequired;

        public Offsets()
        {
        }

        public StunParseError Record(ReadOnlySpan<byte> data, ushort type, int position, int value, int length)
        {
            switch (type)
            {
                case StunAttributeType.Username:
                    if (length > StunProtocol.MaxUsernameLength)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    if (Username < 0)
                    {
                        Username = value;
                        UsernameLength = length;
                    }

                    break;
                case StunAttributeType.MessageIntegrity:
                    if (length != StunProtocol.IntegritySize)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    Integrity = position;
                    break;
                case StunAttributeType.XorMappedAddress:
                    if (length < 4)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    byte family = data[value + 1];
                    if ((family == 0x01 && length != 8) || (family == 0x02 && length != 20))
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    if (family is not (0x01 or 0x02))
                    {
                        return StunParseError.BadAttributeValue;
                    }

                    if (XorMapped < 0)
                    {
                        XorMapped = value;
                        XorMappedLength = length;
                    }

                    break;
                case StunAttributeType.Priority:
                    if (length != 4)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    if (Priority < 0)
                    {
                        Priority = value;
                    }

                    break;
                case StunAttributeType.IceControlling:
                    if (length != 8)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    if (Controlling < 0)
                    {
                        Controlling = value;
                    }

                    break;
                case StunAttributeType.IceControlled:
                    if (length != 8)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    if (Controlled < 0)
                    {
                        Controlled = value;
                    }

                    break;
                case StunAttributeType.UseCandidate:
                    if (length != 0)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    UseCandidate = true;
                    break;
                case StunAttributeType.ErrorCode:
                    // 4 bytes of class/number, then a reason of at most 763 bytes (RFC 8489 §14.8).
                    if (length is < 4 or > 4 + 763)
                    {
                        return StunParseError.BadAttributeLength;
                    }

                    if (ErrorCode < 0)
                    {
                        ErrorCode = value;
                        ErrorCodeLength = length;
                    }

                    break;
                case StunAttributeType.MappedAddress:
                case StunAttributeType.UnknownAttributes:
                case StunAttributeType.Software:
                    break;
                default:
                    if (StunAttributeType.IsComprehensionRequired(type) && !HasUnknownRequired)
                    {
                        HasUnknownRequired = true;
                        UnknownRequired = type;
                    }

                    break;
            }

            return StunParseError.None;
        }
    }
}
