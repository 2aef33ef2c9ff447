using System.Net;
using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Bench.Signaling;

/// <summary>
/// SDP side of signaling (not a hot path: once per connection): parse Chromium's offer,
/// compact it to a string, and expand a string to SDP text.
/// </summary>
[MemoryDiagnoser]
public class SdpBenchmarks
{
    private const string ChromiumOffer =
        "v=0\r\no=- 9103663516567550640 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\n" +
        "a=msid-semantic: WMS\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n" +
        "a=candidate:2692562589 1 udp 2113937151 9df367de-5876-44cb-90d5-10df74beb625.local 57409 typ host generation 0 network-cost 999\r\n" +
        "a=candidate:1796996989 1 udp 2113942271 3f2b96da-93c3-4223-a89b-61001cc7a964.local 49801 typ host generation 0 network-cost 999\r\n" +
        "a=ice-ufrag:pVur\r\na=ice-pwd:L75vufVF31PIdelogd7nJ2cO\r\na=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 1E:8C:9C:3D:D8:20:0D:83:6D:5E:FF:69:92:85:7C:6E:AB:6D:CC:39:B7:E6:D2:81:4A:01:8F:AA:C6:1E:B4:8E\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";

    private SessionDescription _parsed = null!;
    private string _offerText = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        SdpParser.TryParse(ChromiumOffer, out SessionDescription? parsed, out _);
        _parsed = parsed!;
        _offerText = SignalingBlob.WithSecret(
            SignalingRole.Offer,
            DtlsSetup.ActPass,
            Convert.FromHexString("1E8C9C3DD8200D836D5EFF6992857C6EAB6DCC39B7E6D2814A018FAAC61EB48E"),
            new byte[16],
            [
                SignalingCandidate.FromIPAddress(IceCandidateType.Host, IPAddress.Parse("192.0.2.10"), 50000),
                SignalingCandidate.FromIPAddress(IceCandidateType.ServerReflexive, IPAddress.Parse("198.51.100.7"), 61000),
            ]).Encode();
    }

    [Benchmark]
    public SdpParseResult ParseChromiumOffer() => SdpParser.TryParse(ChromiumOffer, out _, out _);

    [Benchmark]
    public string CompactChromiumOffer()
    {
        CompactSignaling.TryCompact(_parsed, out SignalingBlob blob, out _, out _);
        return blob.Encode();
    }

    [Benchmark]
    public string ExpandStringToSdp()
    {
        SignalingBlob.Decode(_offerText, out SignalingBlob blob);
        return SdpWriter.Write(CompactSignaling.Expand(blob));
    }
}
