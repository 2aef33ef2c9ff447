using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Org.BouncyCastle.X509;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Dtls;

public class NodeIdentityTests
{
    private static readonly NodeIdentity s_identity = NodeIdentity.Generate();

    [Fact]
    public void Certificate_is_x509_v3_ecdsa_p256_self_signed_cn_rtcscamp()
    {
        using X509Certificate2 cert = X509CertificateLoader.LoadCertificate(s_identity.CertificateDer);
        Assert.Equal(3, cert.Version);
        Assert.Equal("CN=rtcscamp", cert.Subject);
        Assert.Equal(cert.Subject, cert.Issuer);
        Assert.Equal("1.2.840.10045.4.3.2", cert.SignatureAlgorithm.Value); // ecdsa-with-SHA256
        Assert.Equal("1.2.840.10045.2.1", cert.PublicKey.Oid.Value);         // id-ecPublicKey
        using ECDsa? key = cert.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.Equal("1.2.840.10045.3.1.7", key.ExportParameters(false).Curve.Oid.Value); // secp256r1

        // Self-signed: the signature verifies with the certificate's own key.
        var bcCert = new X509CertificateParser().ReadCertificate(s_identity.CertificateDer.ToArray());
        bcCert.Verify(bcCert.GetPublicKey());

        // Validity: about 30 days back to 1 year ahead; serial positive and non-zero.
        DateTime now = DateTime.UtcNow;
        Assert.InRange(cert.NotBefore.ToUniversalTime(), now.AddDays(-31), now.AddDays(-29));
        Assert.InRange(cert.NotAfter.ToUniversalTime(), now.AddDays(364), now.AddDays(366));
        Assert.True(bcCert.SerialNumber.SignValue > 0);
    }

    [Fact]
    public void Each_certificate_gets_a_fresh_random_serial()
    {
        NodeIdentity again = NodeIdentity.FromPkcs8(s_identity.ExportPkcs8());
        var a = new X509CertificateParser().ReadCertificate(s_identity.CertificateDer.ToArray());
        var b = new X509CertificateParser().ReadCertificate(again.CertificateDer.ToArray());
        Assert.NotEqual(a.SerialNumber, b.SerialNumber);
        Assert.NotEqual(s_identity.Fingerprint, again.Fingerprint);
    }

    [Fact]
    public void Fingerprint_is_sha256_of_the_der_in_sdp_format()
    {
        string text = s_identity.Fingerprint.ToString();
        Assert.Matches(new Regex("^([0-9A-F]{2}:){31}[0-9A-F]{2}$"), text);

        byte[] expected = SHA256.HashData(s_identity.CertificateDer);
        Assert.Equal(expected, s_identity.Fingerprint.ToArray());
        Assert.Equal(string.Join(':', expected.Select(b => b.ToString("X2"))), text);

        Assert.True(CertificateFingerprint.TryParse(text, out CertificateFingerprint parsed));
        Assert.Equal(s_identity.Fingerprint, parsed);
        Assert.True(CertificateFingerprint.TryParse(text.ToLowerInvariant(), out CertificateFingerprint lower));
        Assert.Equal(s_identity.Fingerprint, lower);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AB:CD")]
    [InlineData("GG:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00")]
    [InlineData("00-00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00")]
    [InlineData("00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:000")]
    public void Fingerprint_parse_rejects_malformed_text(string text)
    {
        Assert.False(CertificateFingerprint.TryParse(text, out _));
    }

    [Fact]
    public void NodeId_is_first_16_bytes_of_sha256_over_spki_computed_independently()
    {
        // Independent path: System.Security.Cryptography imports the exported key and encodes the SPKI itself.
        using ECDsa key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(s_identity.ExportPkcs8(), out _);
        byte[] spki = key.ExportSubjectPublicKeyInfo();
        NodeId expected = NodeId.Read(SHA256.HashData(spki).AsSpan(0, 16));

        Assert.Equal(expected, s_identity.NodeId);
        Assert.Equal(spki, s_identity.SubjectPublicKeyInfoDer.ToArray());

        // And from the certificate, as a peer sees it.
        using X509Certificate2 cert = X509CertificateLoader.LoadCertificate(s_identity.CertificateDer);
        Assert.Equal(expected, NodeId.Read(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo()).AsSpan(0, 16)));
        Assert.True(NodeIdentity.TryDeriveNodeIdFromCertificate(s_identity.CertificateDer, out NodeId fromCert));
        Assert.Equal(expected, fromCert);
    }

    [Fact]
    public void A_key_made_by_dotnet_imports_with_the_dotnet_computed_NodeId()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        NodeIdentity identity = NodeIdentity.FromPkcs8(key.ExportPkcs8PrivateKey());
        Assert.Equal(NodeId.Read(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16)), identity.NodeId);
    }

    [Fact]
    public void Export_import_round_trip_keeps_the_NodeId_in_der_and_pem()
    {
        NodeIdentity fromDer = NodeIdentity.FromPkcs8(s_identity.ExportPkcs8());
        Assert.Equal(s_identity.NodeId, fromDer.NodeId);

        string pem = s_identity.ExportPem();
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem);
        NodeIdentity fromPem = NodeIdentity.FromPem(pem);
        Assert.Equal(s_identity.NodeId, fromPem.NodeId);
        Assert.Equal(s_identity.ExportPkcs8(), fromPem.ExportPkcs8());
    }

    [Fact]
    public void Two_generated_identities_differ()
    {
        NodeIdentity other = NodeIdentity.Generate();
        Assert.NotEqual(s_identity.NodeId, other.NodeId);
        Assert.NotEqual(s_identity.Fingerprint, other.Fingerprint);
    }

    [Fact]
    public void Import_rejects_other_curves_and_garbage()
    {
        using ECDsa p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => NodeIdentity.FromPkcs8(p384.ExportPkcs8PrivateKey()));
        Assert.Throws<ArgumentException>(() => NodeIdentity.FromPkcs8(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x00 }));
        Assert.Throws<ArgumentException>(() => NodeIdentity.FromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"));
    }

    [Fact]
    public void Garbage_is_not_a_certificate()
    {
        Assert.False(NodeIdentity.TryDeriveNodeIdFromCertificate(new byte[] { 1, 2, 3 }, out _));
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteInteger(5);
        Assert.False(NodeIdentity.TryDeriveNodeIdFromCertificate(writer.Encode(), out _));
    }

    [Theory]
    [InlineData(DtlsSetup.ActPass, DtlsSetup.Active, DtlsRole.Server)]
    [InlineData(DtlsSetup.ActPass, DtlsSetup.Passive, DtlsRole.Client)]
    [InlineData(DtlsSetup.Active, DtlsSetup.ActPass, DtlsRole.Client)]
    [InlineData(DtlsSetup.Passive, DtlsSetup.ActPass, DtlsRole.Server)]
    [InlineData(DtlsSetup.Active, DtlsSetup.Passive, DtlsRole.Client)]
    [InlineData(DtlsSetup.Passive, DtlsSetup.Active, DtlsRole.Server)]
    public void Setup_attributes_resolve_to_one_client_and_one_server(DtlsSetup local, DtlsSetup remote, DtlsRole expected)
    {
        Assert.True(DtlsSetupRules.TryResolveLocalRole(local, remote, out DtlsRole role));
        Assert.Equal(expected, role);
        Assert.True(DtlsSetupRules.TryResolveLocalRole(remote, local, out DtlsRole other));
        Assert.NotEqual(role, other);
    }

    [Theory]
    [InlineData(DtlsSetup.ActPass, DtlsSetup.ActPass)]
    [InlineData(DtlsSetup.Active, DtlsSetup.Active)]
    [InlineData(DtlsSetup.Passive, DtlsSetup.Passive)]
    public void Setup_attributes_that_do_not_choose_are_rejected(DtlsSetup local, DtlsSetup remote)
    {
        Assert.False(DtlsSetupRules.TryResolveLocalRole(local, remote, out _));
    }

    [Fact]
    public void Setup_tokens_round_trip()
    {
        foreach (DtlsSetup setup in Enum.GetValues<DtlsSetup>())
        {
            Assert.True(DtlsSetupRules.TryParse(DtlsSetupRules.ToToken(setup), out DtlsSetup back));
            Assert.Equal(setup, back);
        }

        Assert.False(DtlsSetupRules.TryParse("holdconn", out _));
    }
}
