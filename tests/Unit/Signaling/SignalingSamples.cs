using System.Buffers.Binary;
using System.Net;
using RtcScamp.Wire.Checksums;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Tests.Signaling;

/// <summary>Fixed blobs used by the signaling and SDP tests.</summary>
internal static class SignalingSamples
{
    public static byte[] Fingerprint { get; } = Convert.FromHexString("1E8C9C3DD8200D836D5EFF6992857C6EAB6DCC39B7E6D2814A018FAAC61EB48E");

    public static byte[] Secret { get; } = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();

    public static SignalingCandidate Host { get; } = SignalingCandidate.FromIPAddress(IceCandidateType.Host, IPAddress.Parse("192.0.2.10"), 50000);

    public static SignalingCandidate Srflx { get; } = SignalingCandidate.FromIPAddress(IceCandidateType.ServerReflexive, IPAddress.Parse("198.51.100.7"), 61000);

    /// <summary>An RtcScamp offer: derived credentials, one IPv4 host and one srflx candidate.</summary>
    public static SignalingBlob HostSrflxOffer() =>
        SignalingBlob.WithSecret(SignalingRole.Offer, DtlsSetup.ActPass, Fingerprint, Secret, [Host, Srflx]);

    /// <summary>An answer with explicit Chromium-like credentials, IPv6 and relay candidates and a max-message-size.</summary>
    public static SignalingBlob ExplicitAnswer() =>
        SignalingBlob.WithCredentials(
            SignalingRole.Answer,
            DtlsSetup.Active,
            Fingerprint,
            "pVur",
            "L75vufVF31PIdelogd7nJ2cO",
            [
                SignalingCandidate.FromIPAddress(IceCandidateType.Host, IPAddress.Parse("2001:db8::1"), 9),
                SignalingCandidate.FromIPAddress(IceCandidateType.Relay, IPAddress.Parse("203.0.113.200"), 3478),
            ],
            maxMessageSize: 1073741823);

    /// <summary>Builds a string around any payload with a correct checksum (to reach the field checks).</summary>
    public static string Forge(ReadOnlySpan<byte> payload)
    {
        int bodyChars = Base62Blocks.EncodedLength(payload.Length);
        var text = new char[3 + bodyChars + 6];
        "rs1".CopyTo(text);
        Base62Blocks.Encode(payload, text.AsSpan(3, bodyChars));
        uint crc = Crc32.OfAscii(text.AsSpan(0, 3 + bodyChars));
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        Base62Blocks.Encode(crcBytes, text.AsSpan(3 + bodyChars));
        return new string(text);
    }

    /// <summary>A valid payload (derived credentials, no candidates) to tamper with.</summary>
    public static byte[] MinimalPayload()
    {
        var p = new byte[50];
        p[0] = 50;
        p[1] = 0;
        Fingerprint.CopyTo(p, 2);
        Secret.CopyTo(p, 34);
        return p;
    }
}
