// STUN (RFC 8489, formerly RFC 5389) as ICE (RFC 8445) and consent freshness (RFC 7675) use it:
// Binding requests, success and error responses with short-term credentials.
//
// A message is a 20-byte header followed by TLV attributes, each padded to 4 bytes:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |0 0|     STUN Message Type     |         Message Length        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  Magic Cookie = 0x2112A442                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                Transaction ID (96 bits)                       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Attribute Type               |  Attribute Length (unpadded)  |
//  |  Value ... padded to a multiple of 4 bytes                    |
//
// Message type bits (RFC 8489 §5): M11..M7 C1 M6..M4 C0 M3..M0 (class C1C0, method M).
namespace RtcScamp.Transport.WebRtc.Stun;

/// <summary>STUN constants: header layout, magic cookie, Binding method types (RFC 8489 §5, §18).</summary>
public static class StunProtocol
{
    /// <summary>Size of the fixed STUN header.</summary>
    public const int HeaderSize = 20;

    /// <summary>Size of the transaction id.</summary>
    public const int TransactionIdSize = 12;

    /// <summary>The fixed magic cookie (RFC 8489 §5).</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>XOR constant applied to the CRC-32 in FINGERPRINT (RFC 8489 §14.7).</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>Size of the HMAC-SHA1 value of MESSAGE-INTEGRITY.</summary>
    public const int IntegritySize = 20;

    /// <summary>
    /// Largest message this codec accepts or builds. ICE checks are ~100–200 bytes; 1500 covers any
    /// datagram that fits an Ethernet MTU and bounds the integrity copy on the stack.
    /// </summary>
    public const int MaxMessageSize = 1500;

    /// <summary>Most attributes walked in one message before it is rejected (our bound; RFC sets none).</summary>
    public const int MaxAttributes = 32;

    /// <summary>Maximum USERNAME length in bytes (RFC 8489 §14.3: less than 513 bytes).</summary>
    public const int MaxUsernameLength = 512;

    /// <summary>Binding request (class request, method Binding 0x001).</summary>
    public const ushort BindingRequest = 0x0001;

    /// <summary>Binding indication (used as an ICE keepalive by some agents).</summary>
    public const ushort BindingIndication = 0x0011;

    /// <summary>Binding success response.</summary>
    public const ushort BindingSuccessResponse = 0x0101;

    /// <summary>Binding error response.</summary>
    public const ushort BindingErrorResponse = 0x0111;

    /// <summary>Composes a message type from a method (12 bits) and a class (RFC 8489 §5).</summary>
    public static ushort MessageType(ushort method, StunClass messageClass)
    {
        int c = (int)messageClass;
        int m = method & 0x0FFF;
        return (ushort)((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
    }

    /// <summary>The class bits of a message type.</summary>
    public static StunClass ClassOf(ushort messageType) => (StunClass)(((messageType >> 4) & 1) | ((messageType >> 7) & 2));

    /// <summary>The method bits of a message type.</summary>
    public static ushort MethodOf(ushort messageType) =>
        (ushort)((messageType & 0x000F) | ((messageType >> 1) & 0x0070) | ((messageType >> 2) & 0x0F80));
}

/// <summary>STUN message class (RFC 8489 §5).</summary>
public enum StunClass
{
    /// <summary>Request (C1C0 = 00).</summary>
    Request = 0,

    /// <summary>Indication (01).</summary>
    Indication = 1,

    /// <summary>Success response (10).</summary>
    SuccessResponse = 2,

    /// <summary>Error response (11).</summary>
    ErrorResponse = 3,
}

/// <summary>STUN attribute types this stack knows (RFC 8489 §18.3, RFC 8445 §16.1).</summary>
public static class StunAttributeType
{
    /// <summary>MAPPED-ADDRESS (legacy; parsed as known, not used).</summary>
    public const ushort MappedAddress = 0x0001;

    /// <summary>USERNAME: "remoteUfrag:localUfrag" as seen by the sender of a check.</summary>
    public const ushort Username = 0x0006;

    /// <summary>MESSAGE-INTEGRITY: HMAC-SHA1.</summary>
    public const ushort MessageIntegrity = 0x0008;

    /// <summary>ERROR-CODE.</summary>
    public const ushort ErrorCode = 0x0009;

    /// <summary>UNKNOWN-ATTRIBUTES (in 420 responses).</summary>
    public const ushort UnknownAttributes = 0x000A;

    /// <summary>XOR-MAPPED-ADDRESS.</summary>
    public const ushort XorMappedAddress = 0x0020;

    /// <summary>PRIORITY (ICE).</summary>
    public const ushort Priority = 0x0024;

    /// <summary>USE-CANDIDATE (ICE).</summary>
    public const ushort UseCandidate = 0x0025;

    /// <summary>SOFTWARE.</summary>
    public const ushort Software = 0x8022;

    /// <summary>FINGERPRINT.</summary>
    public const ushort Fingerprint = 0x8028;

    /// <summary>ICE-CONTROLLED (ICE).</summary>
    public const ushort IceControlled = 0x8029;

    /// <summary>ICE-CONTROLLING (ICE).</summary>
    public const ushort IceControlling = 0x802A;

    /// <summary>True for types 0x0000–0x7FFF, which a receiver must understand (RFC 8489 §14).</summary>
    public static bool IsComprehensionRequired(ushort type) => type < 0x8000;
}

/// <summary>Why a datagram was not accepted as a STUN message. Peer input never throws.</summary>
public enum StunParseError
{
    /// <summary>The message is well formed.</summary>
    None = 0,

    /// <summary>Fewer than 20 bytes.</summary>
    TooShort,

    /// <summary>Larger than <see cref="StunProtocol.MaxMessageSize"/>.</summary>
    TooLong,

    /// <summary>The two most significant bits are not zero.</summary>
    NotStun,

    /// <summary>The magic cookie is wrong (classic RFC 3489 STUN is not supported).</summary>
    BadMagicCookie,

    /// <summary>The length field is not a multiple of 4.</summary>
    UnalignedLength,

    /// <summary>Header length plus 20 differs from the datagram size.</summary>
    LengthMismatch,

    /// <summary>An attribute header or value runs past the end of the message.</summary>
    AttributeTruncated,

    /// <summary>More than <see cref="StunProtocol.MaxAttributes"/> attributes.</summary>
    TooManyAttributes,

    /// <summary>A known attribute has a length its definition forbids.</summary>
    BadAttributeLength,

    /// <summary>A known attribute has a value its definition forbids (e.g. unknown address family).</summary>
    BadAttributeValue,

    /// <summary>An attribute follows FINGERPRINT, which must be last.</summary>
    AttributeAfterFingerprint,

    /// <summary>FINGERPRINT is present but does not match.</summary>
    BadFingerprint,
}
