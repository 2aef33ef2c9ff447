using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace RtcScamp.Wire.Signaling;

/// <summary>
/// One ICE candidate as the compact signaling string carries it: type, IP address (v4 or v6) and UDP port.
/// Foundation, priority and component are not carried: the SDP expansion derives them (RFC 8445 §5.1.2).
/// </summary>
public readonly struct SignalingCandidate : IEquatable<SignalingCandidate>
{
    // IPv4 lives in the low 32 bits; IPv6 uses all 128. Big-endian order is kept so that
    // the integer compares like the address bytes.
    private readonly UInt128 _address;

    /// <summary>Creates a candidate from raw address bytes (4 for IPv4, 16 for IPv6).</summary>
    /// <exception cref="ArgumentException">The address is not 4 or 16 bytes, the port is 0, or the type is unknown.</exception>
    public SignalingCandidate(IceCandidateType type, ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 4 && address.Length != 16)
        {
            ThrowBadAddressLength();
        }

        if (port == 0)
        {
            ThrowPortZero();
        }

        if ((uint)type > (uint)IceCandidateType.Relay)
        {
            ThrowBadType();
        }

        Type = type;
        Port = port;
        IsIPv6 = address.Length == 16;
        _address = IsIPv6 ? BinaryPrimitives.ReadUInt128BigEndian(address) : BinaryPrimitives.ReadUInt32BigEndian(address);
    }

    /// <summary>The candidate type.</summary>
    public IceCandidateType Type { get; }

    /// <summary>True for an IPv6 address, false for IPv4.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The UDP port (never 0).</summary>
    public ushort Port { get; }

    /// <summary>Bytes the address takes: 4 or 16.</summary>
    public int AddressLength => IsIPv6 ? 16 : 4;

    /// <summary>Creates a candidate from an <see cref="IPAddress"/> (convenience; allocates nothing kept).</summary>
    public static SignalingCandidate FromIPAddress(IceCandidateType type, IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            ThrowBadAddressLength();
        }

        return new SignalingCandidate(type, bytes[..written], port);
    }

    /// <summary>Writes the address bytes (4 or 16) and returns how many were written.</summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, _address);
            return 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_address);
        return 4;
    }

    /// <summary>The address as an <see cref="IPAddress"/> (allocates).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteAddress(bytes);
        return new IPAddress(bytes[..n]);
    }

    /// <summary>The SDP spelling of a candidate type: host, srflx, prflx, relay.</summary>
    public static string TypeName(IceCandidateType type) => type switch
    {
        IceCandidateType.Host => "host",
        IceCandidateType.ServerReflexive => "srflx",
        IceCandidateType.PeerReflexive => "prflx",
        IceCandidateType.Relay => "relay",
        _ => ThrowBadTypeName(),
    };

    /// <summary>Parses the SDP spelling of a candidate type.</summary>
    public static bool TryParseTypeName(ReadOnlySpan<char> name, out IceCandidateType type)
    {
        type = name switch
        {
            "host" => IceCandidateType.Host,
            "srflx" => IceCandidateType.ServerReflexive,
            "prflx" => IceCandidateType.PeerReflexive,
            "relay" => IceCandidateType.Relay,
            _ => (IceCandidateType)255,
        };
        return type != (IceCandidateType)255;
    }

    /// <summary>E.g. <c>host 192.0.2.10:50000</c> or <c>srflx [2001:db8::1]:61000</c>.</summary>
    public override string ToString()
    {
        string address = ToIPAddress().ToString();
        return IsIPv6
            ? string.Create(CultureInfo.InvariantCulture, $"{TypeName(Type)} [{address}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{TypeName(Type)} {address}:{Port}");
    }

    /// <inheritdoc/>
    public bool Equals(SignalingCandidate other) =>
        _address == other._address && IsIPv6 == other.IsIPv6 && Port == other.Port && Type == other.Type;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SignalingCandidate other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_address, IsIPv6, Port, Type);

    public static bool operator ==(SignalingCandidate left, SignalingCandidate right) => left.Equals(right);

    public static bool operator !=(SignalingCandidate left, SignalingCandidate right) => !left.Equals(right);

    [DoesNotReturn]
    private static void ThrowBadAddressLength() => throw new ArgumentException("A candidate address is 4 (IPv4) or 16 (IPv6) bytes.");

    [DoesNotReturn]
    private static void ThrowPortZero() => throw new ArgumentException("A candidate port cannot be 0.");

    [DoesNotReturn]
    private static void ThrowBadType() => throw new ArgumentException("Unknown candidate type.");

    [DoesNotReturn]
    private static string ThrowBadTypeName() => throw new ArgumentException("Unknown candidate type.");
}
