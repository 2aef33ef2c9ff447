namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// Life cycle of a <see cref="DtlsEndpoint"/>. Legal transitions:
/// <code>
///   New ──Start()──▶ Handshaking ──handshake done, fingerprint ok──▶ Connected
///                        │   │                                        │  │
///                        │   └──error / alert / timeout / mismatch──▶ Failed ◀──fatal alert / record error
///                        │                                                 │
///                        └──Close()──▶ Closed ◀──Close() / close_notify────┘
/// </code>
/// Failed and Closed are terminal.
/// </summary>
public enum DtlsState
{
    /// <summary>Created; <see cref="DtlsEndpoint.Start"/> not called yet.</summary>
    New,

    /// <summary>The handshake runs on its thread.</summary>
    Handshaking,

    /// <summary>Keys agreed, peer certificate pinned; application data flows.</summary>
    Connected,

    /// <summary>Ended by an error; see <see cref="DtlsEndpoint.FailureReason"/>.</summary>
    Failed,

    /// <summary>Ended cleanly (local <see cref="DtlsEndpoint.Close"/> or the peer's close_notify).</summary>
    Closed,
}

/// <summary>Why a <see cref="DtlsEndpoint"/> failed.</summary>
public enum DtlsFailureReason
{
    /// <summary>Not failed.</summary>
    None,

    /// <summary>The peer's certificate does not hash to the signaled fingerprint (RFC 8122 §5).</summary>
    FingerprintMismatch,

    /// <summary>The peer's key does not derive the NodeId it claimed in signaling (DESIGN.md "Identity").</summary>
    NodeIdMismatch,

    /// <summary>The peer presented no certificate (WebRTC requires one on both sides, RFC 8827 §6.5).</summary>
    MissingCertificate,

    /// <summary>The peer's certificate could not be read as X.509.</summary>
    BadCertificate,

    /// <summary>The handshake did not complete within <see cref="DtlsOptions.HandshakeTimeout"/>.</summary>
    HandshakeTimeout,

    /// <summary>The peer sent a fatal alert; see <see cref="DtlsEndpoint.FailureAlert"/>.</summary>
    AlertReceived,

    /// <summary>This side aborted the handshake (bad message, no common cipher suite, ...); see <see cref="DtlsEndpoint.FailureAlert"/>.</summary>
    HandshakeFailed,

    /// <summary>A record-layer error after the handshake; see <see cref="DtlsEndpoint.FailureAlert"/>.</summary>
    RecordLayerError,
}

/// <summary>What protects application data after the handshake (<see cref="DtlsEndpoint.RecordProtection"/>).</summary>
public enum DtlsRecordProtection
{
    /// <summary>Not connected.</summary>
    None,

    /// <summary>BouncyCastle's record layer (a suite our own record layer does not implement).</summary>
    BouncyCastle,

    /// <summary>Our record layer, AES-128-GCM (RFC 5288).</summary>
    Aes128Gcm,

    /// <summary>Our record layer, AES-256-GCM (RFC 5288).</summary>
    Aes256Gcm,

    /// <summary>Our record layer, ChaCha20-Poly1305 (RFC 7905).</summary>
    ChaCha20Poly1305,
}
