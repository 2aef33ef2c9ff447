using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Wire;

namespace RtcScamp.Transport.WebRtc;

/// <summary>Settings of one <see cref="PeerConnection"/>; every member has a working default.</summary>
public sealed record PeerConnectionOptions
{
    /// <summary>ICE timers and bounds; null for the RFC defaults (<see cref="IceAgentConfig"/>).</summary>
    public IceAgentConfig? Ice { get; init; }

    /// <summary>DTLS limits and timers; null for <see cref="DtlsOptions.Default"/>.</summary>
    public DtlsOptions? Dtls { get; init; }

    /// <summary>
    /// Randomness for the ICE secret, tie-breaker and transaction ids. Null (the default) uses the OS
    /// CSPRNG, as production must (credentials and transaction ids must be unguessable, RFC 8445 §5.3);
    /// tests pass a seeded <see cref="SeededIceRandom"/> for reproducible credentials.
    /// </summary>
    public IIceRandom? Random { get; init; }

    /// <summary>
    /// True (the default): SCTP and data channels run over DTLS once connected, and
    /// <see cref="PeerConnection.ApplicationDataReceived"/> is not called. False: raw DTLS records go to
    /// that hook and <see cref="PeerConnection.SendApplicationData"/> (for a different layer above, or tests).
    /// </summary>
    public bool DataChannels { get; init; } = true;

    /// <summary>If set, the DTLS handshake fails unless the peer's key derives this NodeId.</summary>
    public NodeId ExpectedRemoteNodeId { get; init; }
}
