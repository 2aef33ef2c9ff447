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

    /// <summary>After the handshake: the negotiated cipher suite (a <see cref="CipherSuite"/> value).</summary>
    public int NegotiatedCipherSuite { get; private set; } = -1;

    /// <summary>After the handshake: whether RFC 7627 extended master secret was used.</summary>
    public bool NegotiatedExtendedMasterSecret { get; private set; }

    public override bool IgnoreCorruptDtlsRecords => true;

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override bool RequiresExtendedMasterSecret() => true;

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        NegotiatedCipherSuite = m_context.SecurityParameters.CipherSuite;
        NegotiatedExtendedMasterSecret = m_context.SecurityParameters.IsExtendedMasterSecret;
    }

    public override int GetHandshakeTimeoutMillis() => (int)_options.HandshakeTimeout.TotalMilliseconds;

    public override int GetHandshakeResendTimeMillis() => (int)_options.InitialRetransmitTimeout.TotalMilliseconds;

    protected override ProtocolVersion[] GetSupportedVersions() => DtlsCipherSuites.Versions;

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, DtlsCipherSuites.Preferred);

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
