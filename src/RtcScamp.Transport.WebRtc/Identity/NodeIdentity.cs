using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using RtcScamp.Wire;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace RtcScamp.Transport.WebRtc.Identity;

/// <summary>
/// A node's long-lived identity: an ECDSA P-256 key pair, a self-signed X.509 v3 certificate
/// carrying its public key (used as the DTLS certificate, RFC 8827 §6.5 / RFC 5763 §5), the
/// certificate's SHA-256 fingerprint (signaled in SDP), and the <see cref="NodeId"/> derived
/// from the key.
/// </summary>
/// <remarks>
/// <para>
/// NodeId derivation (DESIGN.md "Identity"): the first 16 bytes of SHA-256 over the DER
/// SubjectPublicKeyInfo of the public key, read big-endian. The key is encoded with the named
/// curve OID (secp256r1), which is how browsers and System.Security.Cryptography encode it, so
/// the same key yields the same NodeId everywhere.
/// </para>
/// <para>
/// Only the private key is persisted (PKCS#8); the certificate is minted afresh each time an
/// identity is loaded (new random serial, validity 30 days back to 1 year ahead), so its
/// fingerprint changes per run while the NodeId does not. Fingerprints are signaled per session.
/// </para>
/// </remarks>
public sealed class NodeIdentity
{
    private const string PemLabel = "PRIVATE KEY";
    private static readonly TimeSpan s_validBefore = TimeSpan.FromDays(30);
    private static readonly TimeSpan s_validAfter = TimeSpan.FromDays(365);

    private readonly byte[] _certificateDer;
    private readonly byte[] _subjectPublicKeyInfoDer;

    private NodeIdentity(ECPrivateKeyParameters privateKey, ECPublicKeyParameters publicKey)
    {
        PrivateKey = privateKey;
        PublicKey = publicKey;
        _subjectPublicKeyInfoDer = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();
        NodeId = DeriveNodeId(_subjectPublicKeyInfoDer);
        _certificateDer = CreateSelfSignedCertificate(privateKey, publicKey);
        Fingerprint = CertificateFingerprint.Of(_certificateDer);
    }

    /// <summary>The common name of every identity certificate.</summary>
    public const string CommonName = "rtcscamp";

    /// <summary>The node id proven by this identity's key.</summary>
    public NodeId NodeId { get; }

    /// <summary>SHA-256 fingerprint of <see cref="CertificateDer"/>, for <c>a=fingerprint:sha-256</c>.</summary>
    public CertificateFingerprint Fingerprint { get; }

    /// <summary>The self-signed certificate, DER. Callers must not modify it.</summary>
    public ReadOnlySpan<byte> CertificateDer => _certificateDer;

    /// <summary>The public key's SubjectPublicKeyInfo, DER (the NodeId preimage).</summary>
    public ReadOnlySpan<byte> SubjectPublicKeyInfoDer => _subjectPublicKeyInfoDer;

    internal ECPrivateKeyParameters PrivateKey { get; }

    internal ECPublicKeyParameters PublicKey { get; }

    internal byte[] CertificateDerArray => _certificateDer;

    /// <summary>Generates a new P-256 key pair with the OS CSPRNG.</summary>
    public static NodeIdentity Generate()
    {
        var generator = new ECKeyPairGenerator("ECDSA");
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, new SecureRandom()));
        AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
        return new NodeIdentity((ECPrivateKeyParameters)pair.Private, (ECPublicKeyParameters)pair.Public);
    }

    /// <summary>Loads an identity from a PKCS#8 DER private key (P-256 only).</summary>
    /// <exception cref="ArgumentException">The key is malformed or not an EC P-256 key.</exception>
    public static NodeIdentity FromPkcs8(ReadOnlySpan<byte> pkcs8Der)
    {
        AsymmetricKeyParameter key;
        try
        {
            key = PrivateKeyFactory.CreateKey(pkcs8Der.ToArray());
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            throw new ArgumentException("Not a PKCS#8 private key.", nameof(pkcs8Der), e);
        }

        if (key is not ECPrivateKeyParameters ec || !SecObjectIdentifiers.SecP256r1.Equals(ec.PublicKeyParamSet))
        {
            throw new ArgumentException("The identity key must be an EC P-256 (secp256r1) key.", nameof(pkcs8Der));
        }

        var q = new FixedPointCombMultiplier().Multiply(ec.Parameters.G, ec.D).Normalize();
        var publicKey = new ECPublicKeyParameters("ECDSA", q, ec.PublicKeyParamSet);
        var privateKey = new ECPrivateKeyParameters("ECDSA", ec.D, ec.PublicKeyParamSet);
        return new NodeIdentity(privateKey, publicKey);
    }

    /// <summary>Loads an identity from a PEM "PRIVATE KEY" (PKCS#8) block.</summary>
    /// <exception cref="ArgumentException">No PKCS#8 PEM block, or not an EC P-256 key.</exception>
    public static NodeIdentity FromPem(ReadOnlySpan<char> pem)
    {
        if (!PemEncoding.TryFind(pem, out PemFields fields) || !pem[fields.Label].SequenceEqual(PemLabel))
        {
            throw new ArgumentException("No \"PRIVATE KEY\" PEM block.", nameof(pem));
        }

        byte[] der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem[fields.Base64Data], der, out int written))
        {
            throw new ArgumentException("Bad base64 in the PEM block.", nameof(pem));
        }

        return FromPkcs8(der.AsSpan(0, written));
    }

    /// <summary>The private key as PKCS#8 DER (keep it secret; it is the node's identity).</summary>
    public byte[] ExportPkcs8() => PrivateKeyInfoFactory.CreatePrivateKeyInfo(PrivateKey).GetDerEncoded();

    /// <summary>The private key as a PEM "PRIVATE KEY" block.</summary>
    public string ExportPem() => new string(PemEncoding.Write(PemLabel, ExportPkcs8()));

    /// <summary>First 16 bytes of SHA-256 over a SubjectPublicKeyInfo DER, big-endian.</summary>
    public static NodeId DeriveNodeId(ReadOnlySpan<byte> subjectPublicKeyInfoDer)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(subjectPublicKeyInfoDer, hash);
        return NodeId.Read(hash);
    }

    /// <summary>
    /// The NodeId proven by a peer's certificate: derived from the SubjectPublicKeyInfo it carries.
    /// Returns false if the bytes are not an X.509 certificate.
    /// </summary>
    public static bool TryDeriveNodeIdFromCertificate(ReadOnlySpan<byte> certificateDer, out NodeId nodeId)
    {
        nodeId = default;
        try
        {
            var certificate = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(certificateDer.ToArray()));
            nodeId = DeriveNodeId(certificate.SubjectPublicKeyInfo.GetDerEncoded());
            return true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            return false;
        }
    }

    private static byte[] CreateSelfSignedCertificate(ECPrivateKeyParameters privateKey, ECPublicKeyParameters publicKey)
    {
        // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 16 random bytes with the top bit
        // clear keep it positive, and the forced low bit keeps it non-zero.
        Span<byte> serial = stackalloc byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        serial[15] |= 0x01;

        DateTime now = DateTime.UtcNow;
        var name = new X509Name("CN=" + CommonName);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BcBigInteger(1, serial.ToArray()));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(now - s_validBefore);
        generator.SetNotAfter(now + s_validAfter);
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        var signer = new Asn1SignatureFactory("SHA256WITHECDSA", privateKey, new SecureRandom());
        return generator.Generate(signer).GetEncoded();
    }
}
