using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>What a <see cref="DtlsEvent"/> reports.</summary>
public enum DtlsEventKind
{
    /// <summary>The handshake completed and the peer's certificate matched the signaled fingerprint.</summary>
    Connected,

    /// <summary>The endpoint failed; <see cref="DtlsEvent.Reason"/> says why.</summary>
    Failed,

    /// <summary>The endpoint closed cleanly (locally or by the peer's close_notify).</summary>
    Closed,
}

/// <summary>A state change of a <see cref="DtlsEndpoint"/>, drained with <see cref="DtlsEndpoint.TryPollEvent"/>.</summary>
public readonly struct DtlsEvent
{
    internal DtlsEvent(DtlsEventKind kind, DtlsFailureReason reason, short alert, CertificateFingerprint remoteFingerprint, NodeId remoteNodeId, bool byPeer)
    {
        Kind = kind;
        Reason = reason;
        Alert = alert;
        RemoteFingerprint = remoteFingerprint;
        RemoteNodeId = remoteNodeId;
        ByPeer = byPeer;
    }

    /// <summary>What happened.</summary>
    public DtlsEventKind Kind { get; }

    /// <summary>For <see cref="DtlsEventKind.Failed"/>: why.</summary>
    public DtlsFailureReason Reason { get; }

    /// <summary>The TLS AlertDescription involved (RFC 5246 §7.2), or -1 if none.</summary>
    public short Alert { get; }

    /// <summary>For <see cref="DtlsEventKind.Connected"/>: the verified fingerprint of the peer's certificate.</summary>
    public CertificateFingerprint RemoteFingerprint { get; }

    /// <summary>For <see cref="DtlsEventKind.Connected"/>: the NodeId proven by the peer's certificate key.</summary>
    public NodeId RemoteNodeId { get; }

    /// <summary>For <see cref="DtlsEventKind.Closed"/>: true if the peer sent close_notify.</summary>
    public bool ByPeer { get; }
}
