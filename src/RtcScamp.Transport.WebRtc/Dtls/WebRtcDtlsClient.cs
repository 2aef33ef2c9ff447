using Org.BouncyCastle.Tls;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// BouncyCastle client peer for the WebRTC profile (see <see cref="DtlsCipherSuites"/>): pins the server
/// certificate with <see cref="PeerCertificatePin"/> and answers the server's CertificateRequest with the
/// identity certificate (Chromium always asks for one).
/// </summary>
internal sealed class WebRtcDtlsClient : DefaultTlsClient
{
    private readonly NodeIdentity _identity;
    private readonly PeerCertificatePin _pin;
    private readonly DtlsOptions _options;

    public WebRtcDtlsClient(NodeIdentity identity, PeerCertificatePin pin, DtlsOptions options)
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

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override bool RequiresExtendedMasterSecret() => true;

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Negotiated = DtlsNegotiated.Of(m_context);
        EpochKeys = DtlsEpochKeys.TryDerive(m_context); // now: the protocol clears the master secret right after
    }

    public override int GetHandshakeTimeoutMillis() => _options.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => _options.InitialRetransmitTimeoutMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => DtlsCipherSuites.Versions;

    protected override int[] GetSupportedCipherSuites() => DtlsCipherSuites.Supported(Crypto, _options.OfferedCipherSuites);

    private sealed class Authentication(WebRtcDtlsClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) => client._pin.Check(serverCertificate.Certificate);

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest)
        {
            short[]? types = certificateRequest.CertificateTypes;
            if (types is not null && Array.IndexOf(types, ClientCertificateType.ecdsa_sign) < 0)
            {
                return null;
            }

            return DtlsCipherSuites.Credentials(client.m_context, client._identity);
        }
    }
}
