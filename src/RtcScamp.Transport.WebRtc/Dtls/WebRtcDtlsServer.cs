using Org.BouncyCastle.Tls;
using RtcScamp.Transport.WebRtc.Identity;
using BcHashAlgorithm = Org.BouncyCastle.Tls.HashAlgorithm;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// BouncyCastle server peer for the WebRTC profile (see <see cref="DtlsCipherSuites"/>): prefers its own
/// suite order, sends a CertificateRequest for <c>ecdsa_sign</c> (both sides must authenticate, RFC 8827
/// §6.5), and pins the client's certificate with <see cref="PeerCertificatePin"/>.
/// </summary>
internal sealed class WebRtcDtlsServer : DefaultTlsServer
{
    private static readonly short[] s_clientCertificateTypes = [ClientCertificateType.ecdsa_sign];

    private static readonly SignatureAndHashAlgorithm[] s_clientSignatures =
    [
        SignatureAndHashAlgorithm.GetInstance(BcHashAlgorithm.sha256, SignatureAlgorithm.ecdsa),
        SignatureAndHashAlgorithm.GetInstance(BcHashAlgorithm.sha384, SignatureAlgorithm.ecdsa),
        SignatureAndHashAlgorithm.GetInstance(BcHashAlgorithm.sha512, SignatureAlgorithm.ecdsa),
    ];

    private readonly NodeIdentity _identity;
    private readonly PeerCertificatePin _pin;
    private readonly DtlsOptions _options;

    public WebRtcDtlsServer(NodeIdentity identity, PeerCertificatePin pin, DtlsOptions options)
        : base(DtlsCipherSuites.Crypto)
    {
        _identity = identity;
        _pin = pin;
        _options = options;
    }

    /// <summary>After the handshake: what it agreed on.</summary>
    public DtlsNegotiated Negotiated { get; private set; } = DtlsNegotiated.None;

    /// <summary>After the handshake: the epoch-1 keys for our own record layer, or null if its suite is not ours to run.</summary>
    public DtlsEpochKeys? EpochKeys { get; private set; }

    public override bool IgnoreCorruptDtlsRecords => true;

    public override bool RequiresExtendedMasterSecret() => true;

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Negotiated = DtlsNegotiated.Of(m_context);
        EpochKeys = DtlsEpochKeys.TryDerive(m_context); // now: the protocol clears the master secret right after
    }

    public override int GetHandshakeTimeoutMillis() => _options.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => _options.InitialRetransmitTimeoutMillis;

    public override CertificateRequest GetCertificateRequest() => new(s_clientCertificateTypes, s_clientSignatures, null);

    public override void NotifyClientCertificate(Certificate clientCertificate) => _pin.Check(clientCertificate);

    protected override ProtocolVersion[] GetSupportedVersions() => DtlsCipherSuites.Versions;

    protected override int[] GetSupportedCipherSuites() => DtlsCipherSuites.Supported(Crypto, _options.OfferedCipherSuites);

    protected override bool PreferLocalCipherSuites() => true;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => DtlsCipherSuites.Credentials(m_context, _identity);
}
