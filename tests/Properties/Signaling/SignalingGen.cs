using FsCheck;
using FsCheck.Fluent;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Tests.Signaling;

/// <summary>Generators for arbitrary signaling blobs, every field over its whole range.</summary>
public static class SignalingGen
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static Gen<byte> Byte { get; } = Gen.Choose(0, 255).Select(i => (byte)i);

    public static Gen<byte[]> Bytes(int n) => Gen.ArrayOf(Byte, n);

    public static Gen<SignalingCandidate> Candidate { get; } =
        from type in Gen.Elements(IceCandidateType.Host, IceCandidateType.ServerReflexive, IceCandidateType.PeerReflexive, IceCandidateType.Relay)
        from v6 in Gen.Elements(false, true)
        from address in Bytes(v6 ? 16 : 4)
        from port in Gen.Choose(1, 65535)
        select new SignalingCandidate(type, address, (ushort)port);

    public static Gen<string> IceString(int min, int max) =>
        from n in Gen.Choose(min, max)
        from chars in Gen.ArrayOf(Gen.Elements(IceChars.ToCharArray()), n)
        select new string(chars);

    public static Gen<SignalingBlob> Blob { get; } =
        from role in Gen.Elements(SignalingRole.Offer, SignalingRole.Answer)
        from setup in Gen.Elements(DtlsSetup.ActPass, DtlsSetup.Active, DtlsSetup.Passive)
        from fingerprint in Bytes(32)
        from count in Gen.Choose(0, SignalingBlob.MaxCandidates)
        from candidates in Gen.ArrayOf(Candidate, count)
        from mms in Gen.OneOf(Gen.Constant<uint?>(null), Gen.Choose(int.MinValue, int.MaxValue).Select(i => (uint?)(uint)i))
        from explicitCredentials in Gen.Elements(false, true)
        from secret in Bytes(16)
        from ufrag in IceString(IceCredentials.MinUfragLength, IceCredentials.MaxUfragLength)
        from pwd in IceString(IceCredentials.MinPasswordLength, IceCredentials.MaxPasswordLength)
        select explicitCredentials
            ? SignalingBlob.WithCredentials(role, setup, fingerprint, ufrag, pwd, candidates, mms)
            : SignalingBlob.WithSecret(role, setup, fingerprint, secret, candidates, mms);

    /// <summary>Blobs whose role agrees with their DTLS setup (RFC 8842: offers say actpass, answers do not).</summary>
    public static Gen<SignalingBlob> ConsistentBlob { get; } =
        Blob.Where(b => (b.Role == SignalingRole.Offer) == (b.Setup == DtlsSetup.ActPass));

    /// <summary>RtcScamp offers with one IPv4 host and one IPv4 server-reflexive candidate.</summary>
    public static Gen<SignalingBlob> HostSrflxOffer { get; } =
        from fingerprint in Bytes(32)
        from secret in Bytes(16)
        from hostAddress in Bytes(4)
        from srflxAddress in Bytes(4)
        from hostPort in Gen.Choose(1, 65535)
        from srflxPort in Gen.Choose(1, 65535)
        select SignalingBlob.WithSecret(
            SignalingRole.Offer,
            DtlsSetup.ActPass,
            fingerprint,
            secret,
            [new SignalingCandidate(IceCandidateType.Host, hostAddress, (ushort)hostPort), new SignalingCandidate(IceCandidateType.ServerReflexive, srflxAddress, (ushort)srflxPort)]);
}

/// <summary>Registers the generators with FsCheck's <c>[Property]</c>.</summary>
public static class SignalingArbitraries
{
    public static Arbitrary<SignalingBlob> Blob() => SignalingGen.Blob.ToArbitrary();
}
