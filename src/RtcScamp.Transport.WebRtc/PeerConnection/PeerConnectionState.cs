namespace RtcScamp.Transport.WebRtc;

/// <summary>
/// Life cycle of a <see cref="PeerConnection"/>. Legal transitions (<c>SetState</c> rejects others):
/// <code>
///   New ──CreateOffer──▶ HaveLocalOffer ──TryAcceptAnswer──▶ Connecting
///    └──────────────TryAcceptOffer (answer returned)───────▶ Connecting ──ICE + DTLS done──▶ Connected
///                                 Connecting / Connected ──ICE failure, DTLS failure──▶ Failed
///   any state but Failed ──Close() or the peer's close_notify──▶ Closed
/// </code>
/// Failed and Closed are terminal.
/// </summary>
public enum PeerConnectionState
{
    /// <summary>Created; no description exchanged yet.</summary>
    New,

    /// <summary>The offer was created; waiting for the answer (ICE already answers the peer's checks).</summary>
    HaveLocalOffer,

    /// <summary>Both descriptions known: ICE checks, then the DTLS handshake.</summary>
    Connecting,

    /// <summary>ICE selected a pair and DTLS completed with the peer's fingerprint verified.</summary>
    Connected,

    /// <summary>Ended by an error; see <see cref="PeerConnection.Failure"/>.</summary>
    Failed,

    /// <summary>Ended cleanly (locally, or by the peer's close_notify).</summary>
    Closed,
}

/// <summary>Why a <see cref="PeerConnection"/> failed.</summary>
public enum PeerConnectionFailureReason
{
    /// <summary>Not failed.</summary>
    None,

    /// <summary>ICE found no working candidate pair (RFC 8445 §8: every check failed).</summary>
    IceFailed,

    /// <summary>Connected, then the peer stopped answering consent checks (RFC 7675 §5.1: 30 s).</summary>
    ConsentExpired,

    /// <summary>The peer's DTLS certificate does not hash to the signaled fingerprint (RFC 8122 §5).</summary>
    FingerprintMismatch,

    /// <summary>The peer's key does not derive the NodeId expected by <see cref="PeerConnectionOptions.ExpectedRemoteNodeId"/>.</summary>
    NodeIdMismatch,

    /// <summary>The peer sent no certificate, or one that is not X.509.</summary>
    BadCertificate,

    /// <summary>The DTLS handshake did not finish in time (<see cref="Dtls.DtlsOptions.HandshakeTimeout"/>).</summary>
    DtlsHandshakeTimeout,

    /// <summary>The peer sent a fatal DTLS alert (e.g. 42 bad_certificate when it rejected our fingerprint).</summary>
    DtlsAlertReceived,

    /// <summary>This side aborted the DTLS handshake (bad message, no common cipher suite, ...).</summary>
    DtlsHandshakeFailed,

    /// <summary>A DTLS record-layer error after the handshake.</summary>
    DtlsRecordLayerError,
}

/// <summary>A failure with its TLS alert (RFC 5246 §7.2), or -1 when no alert was involved.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Alert">The alert description sent or received, or -1.</param>
public readonly record struct PeerConnectionFailure(PeerConnectionFailureReason Reason, short Alert = -1);
