using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using RtcScamp.Transport.WebRtc.Identity;
using BcHashAlgorithm = Org.BouncyCastle.Tls.HashAlgorithm;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// The negotiation profile both roles share: DTLS 1.2 only, ECDHE-ECDSA AEAD suites in preference
/// order (RFC 8827 §6.5 requires ECDHE-ECDSA-AES128-GCM-SHA256), extended master secret required
/// (RFC 7627), ECDSA P-256 with SHA-256 signatures for our certificate.
/// </summary>
internal static class DtlsCipherSuites
{
    /// <summary>Preference order; ChaCha20 only if the crypto provider supports it.</summary>
    public static readonly int[] Preferred =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    public static readonly ProtocolVersion[] Versions = ProtocolVersion.DTLSv12.Only();

    public static readonly SignatureAndHashAlgorithm OurSignature = SignatureAndHashAlgorithm.GetInstance(BcHashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

    /// <summary>Shared provider; BouncyCastle's SecureRandom and BcTlsCrypto are safe to share across threads.</summary>
    public static readonly BcTlsCrypto Crypto = new();

    /// <summary>The <see cref="Preferred"/> suites (or <paramref name="only"/>) that <paramref name="crypto"/> supports, in preference order.</summary>
    public static int[] Supported(TlsCrypto crypto, int[]? only = null) => TlsUtilities.GetSupportedCipherSuites(crypto, only ?? Preferred);

    /// <summary>Credentials signing with the identity key and presenting its certificate.</summary>
    public static TlsCredentialedSigner Credentials(TlsContext context, NodeIdentity identity)
    {
        var chain = new Certificate([Crypto.CreateCertificate(identity.CertificateDerArray)]);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), Crypto, identity.PrivateKey, chain, OurSignature);
    }
}
