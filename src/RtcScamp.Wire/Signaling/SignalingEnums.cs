namespace RtcScamp.Wire.Signaling;

/// <summary>Which side of the offer/answer exchange (RFC 8829 §5) a signaling blob carries.</summary>
public enum SignalingRole : byte
{
    /// <summary>The first message: the offerer's description.</summary>
    Offer = 0,

    /// <summary>The reply: the answerer's description.</summary>
    Answer = 1,
}

/// <summary>
/// The DTLS role attribute <c>a=setup</c> (RFC 8842 §5, from RFC 4145 §4). An offer says
/// <see cref="ActPass"/>; an answer picks <see cref="Active"/> (DTLS client) or <see cref="Passive"/> (DTLS server).
/// </summary>
public enum DtlsSetup : byte
{
    /// <summary><c>actpass</c>: either role; the answerer decides.</summary>
    ActPass = 0,

    /// <summary><c>active</c>: this side sends the DTLS ClientHello.</summary>
    Active = 1,

    /// <summary><c>passive</c>: this side waits for the ClientHello.</summary>
    Passive = 2,
}

/// <summary>ICE candidate types (RFC 8445 §5.1.1) with their SDP spelling (RFC 8839 §5.1).</summary>
public enum IceCandidateType : byte
{
    /// <summary><c>host</c>: an address of a local interface.</summary>
    Host = 0,

    /// <summary><c>srflx</c>: the address a STUN server saw (the NAT's public side).</summary>
    ServerReflexive = 1,

    /// <summary><c>prflx</c>: an address learned from a peer's connectivity check.</summary>
    PeerReflexive = 2,

    /// <summary><c>relay</c>: an address allocated on a TURN server.</summary>
    Relay = 3,
}

/// <summary>How a signaling blob carries the ICE username fragment and password.</summary>
public enum IceCredentialsKind : byte
{
    /// <summary>
    /// A 16-byte random secret from which ufrag and pwd are derived (RtcScamp peers: shortest form).
    /// </summary>
    DerivedFromSecret = 0,

    /// <summary>The ufrag and pwd themselves, packed at 6 bits per ice-char (a browser's own credentials).</summary>
    Explicit = 1,
}
