using Org.BouncyCastle.Tls;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// Checks the peer's certificate against the fingerprint signaled in SDP (RFC 8122 §5, RFC 5763 §5):
/// WebRTC certificates are self-signed, so no chain is validated; the fingerprint pins the key, and the
/// handshake's own signatures (ServerKeyExchange, CertificateVerify) prove the peer holds it.
/// Called by BouncyCastle on the handshake thread as soon as the Certificate message arrives, so a
/// mismatch aborts the handshake at once with a fatal bad_certificate alert to the peer.
/// </summary>
internal sealed class PeerCertificatePin
{
    private readonly CertificateFingerprint _expected;
    private readonly NodeId _expectedNodeId;

    /// <param name="expected">The signaled fingerprint.</param>
    /// <param name="expectedNodeId">The NodeId the peer claimed in signaling, or <see cref="NodeId.None"/> to accept any.</param>
    public PeerCertificatePin(CertificateFingerprint expected, NodeId expectedNodeId)
    {
        _expected = expected;
        _expectedNodeId = expectedNodeId;
    }

    /// <summary>None until checked; then the outcome.</summary>
    public DtlsFailureReason Failure { get; private set; }

    public bool Verified { get; private set; }

    public CertificateFingerprint RemoteFingerprint { get; private set; }

    public NodeId RemoteNodeId { get; private set; }

    /// <summary>Pins the end-entity certificate of <paramref name="chain"/>; throws a fatal alert on failure.</summary>
    /// <exception cref="TlsFatalAlert">Missing, unreadable or mismatching certificate.</exception>
    public void Check(Certificate? chain)
    {
        if (chain is null || chain.IsEmpty)
        {
            Failure = DtlsFailureReason.MissingCertificate;
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "peer sent no certificate");
        }

        byte[] der = chain.GetCertificateAt(0).GetEncoded();
        CertificateFingerprint actual = CertificateFingerprint.Of(der);
        RemoteFingerprint = actual;
        if (actual != _expected)
        {
            Failure = DtlsFailureReason.FingerprintMismatch;
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate fingerprint differs from the signaled one");
        }

        if (!NodeIdentity.TryDeriveNodeIdFromCertificate(der, out NodeId nodeId))
        {
            Failure = DtlsFailureReason.BadCertificate;
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate is not X.509");
        }

        RemoteNodeId = nodeId;
        if (!_expectedNodeId.IsNone && nodeId != _expectedNodeId)
        {
            Failure = DtlsFailureReason.NodeIdMismatch;
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate key does not prove the claimed NodeId");
        }

        Verified = true;
    }
}
