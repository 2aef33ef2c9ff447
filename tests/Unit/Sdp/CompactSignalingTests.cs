using System.Net;
using RtcScamp.Tests.Signaling;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;
using Xunit;

namespace RtcScamp.Tests.Sdp;

public class CompactSignalingTests
{
    // Lines Chromium needs in a remote data-channel description, in the order it writes them.
    private static readonly string[] s_requiredLinePrefixes =
    [
        "v=0",
        "o=- ",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "c=IN IP4 0.0.0.0",
        "a=ice-ufrag:",
        "a=ice-pwd:",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 ",
        "a=setup:",
        "a=mid:0",
        "a=sctp-port:5000",
        "a=max-message-size:",
    ];

    private static SessionDescription Parse(string text)
    {
        Assert.Equal(SdpParseResult.Ok, SdpParser.TryParse(text, out SessionDescription? sdp, out SdpParseError error));
        Assert.NotNull(sdp);
        _ = error;
        return sdp;
    }

    [Fact]
    public void Chromium_sample_compacts_to_88_characters_and_drops_its_mdns_hosts()
    {
        SessionDescription sdp = Parse(ChromiumSamples.Offer);
        Assert.Equal(CompactResult.Ok, CompactSignaling.TryCompact(sdp, out SignalingBlob blob, out CompactionReport report, out _));
        Assert.Equal(new CompactionReport(Mdns: 2, NotUdp: 0, Unusable: 0, OverLimit: 0), report);
        string text = blob.Encode();
        Assert.Equal(88, text.Length);
        Assert.Equal(SignalingRole.Offer, blob.Role);
        Assert.Equal(IceCredentialsKind.Explicit, blob.CredentialsKind);
        Assert.Equal("pVur", blob.IceUfrag);
        Assert.Equal("L75vufVF31PIdelogd7nJ2cO", blob.IcePassword);
        Assert.Null(blob.MaxMessageSize);
        Assert.Equal(0, blob.Candidates.Length);
    }

    [Fact]
    public void Chromium_sample_survives_compact_and_expand()
    {
        SessionDescription original = Parse(ChromiumSamples.Offer);
        CompactSignaling.TryCompact(original, out SignalingBlob blob, out _, out _);
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(blob.Encode(), out SignalingBlob decoded, out _));
        string expanded = SdpWriter.Write(CompactSignaling.Expand(decoded));

        // Identical to the sample except the session id (derived from the fingerprint) and the
        // two mDNS candidates that a compact string leaves out.
        string expected = string.Join(
            "\r\n",
            ChromiumSamples.Offer.Split('\n').Where(l => !l.StartsWith("a=candidate:", StringComparison.Ordinal)))
            .Replace("9103663516567550640", CompactSignaling.Expand(decoded).SessionId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(expected, expanded);
    }

    [Fact]
    public void Expanded_offer_has_every_line_chromium_requires_in_chromium_order()
    {
        string sdp = SdpWriter.Write(CompactSignaling.Expand(SignalingSamples.HostSrflxOffer()));
        Assert.EndsWith("\r\n", sdp, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", sdp.Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        string[] lines = sdp.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        int at = 0;
        foreach (string prefix in s_requiredLinePrefixes)
        {
            int found = Array.FindIndex(lines, at, l => l.StartsWith(prefix, StringComparison.Ordinal));
            Assert.True(found >= 0, $"missing or out of order: {prefix}\n{sdp}");
            at = found + 1;
        }

        Assert.Contains("a=setup:actpass", lines);
        Assert.Contains("a=ice-ufrag:rgyon6RR", lines);
        Assert.Contains("a=ice-pwd:aNVyguGSWburIvFTwNvR+URq", lines);
        Assert.Contains("a=max-message-size:262144", lines);
        string[] candidates = lines.Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, candidates.Length);
        Assert.Matches(@"^a=candidate:\d+ 1 udp 2130706431 192\.0\.2\.10 50000 typ host generation 0 network-cost 999$", candidates[0]);
        Assert.Matches(@"^a=candidate:\d+ 1 udp 1694498559 198\.51\.100\.7 61000 typ srflx raddr 0\.0\.0\.0 rport 0 generation 0 network-cost 999$", candidates[1]);
        Assert.Matches(@"^o=- \d{1,19} 2 IN IP4 127\.0\.0\.1$", lines[1]);
    }

    [Fact]
    public void Expanded_answer_says_its_dtls_role_and_max_message_size()
    {
        string sdp = SdpWriter.Write(CompactSignaling.Expand(SignalingSamples.ExplicitAnswer()));
        Assert.Contains("a=setup:active\r\n", sdp, StringComparison.Ordinal);
        Assert.Contains("a=max-message-size:1073741823\r\n", sdp, StringComparison.Ordinal);
        Assert.Contains("a=candidate:", sdp, StringComparison.Ordinal);
        Assert.Contains(" 2001:db8::1 9 typ host ", sdp, StringComparison.Ordinal);
        Assert.Contains(" 203.0.113.200 3478 typ relay raddr 0.0.0.0 rport 0 ", sdp, StringComparison.Ordinal);
    }

    [Fact]
    public void Blob_to_sdp_to_blob_keeps_every_field()
    {
        foreach (SignalingBlob blob in new[] { SignalingSamples.HostSrflxOffer(), SignalingSamples.ExplicitAnswer() })
        {
            SessionDescription parsed = Parse(SdpWriter.Write(CompactSignaling.Expand(blob)));
            Assert.Equal(CompactResult.Ok, CompactSignaling.TryCompact(parsed, out SignalingBlob back, out CompactionReport report, out _));
            Assert.Equal(0, report.Dropped);
            Assert.Equal(blob.Role, back.Role);
            Assert.Equal(blob.Setup, back.Setup);
            Assert.Equal(blob.Fingerprint.ToArray(), back.Fingerprint.ToArray());
            Assert.Equal(blob.IceUfrag, back.IceUfrag);
            Assert.Equal(blob.IcePassword, back.IcePassword);
            Assert.Equal(blob.Candidates.ToArray(), back.Candidates.ToArray());
            Assert.Equal(blob.MaxMessageSize, back.MaxMessageSize);
        }
    }

    [Fact]
    public void Sdp_with_addresses_compacts_keeping_udp_ip_candidates_in_order()
    {
        SessionDescription sdp = Parse(ChromiumSamples.OfferWithAddresses);
        Assert.Equal(CompactResult.Ok, CompactSignaling.TryCompact(sdp, out SignalingBlob blob, out CompactionReport report, out _));
        Assert.Equal(new CompactionReport(0, 1, 0, 0), report);
        Assert.Equal(
            [
                SignalingCandidate.FromIPAddress(IceCandidateType.Host, IPAddress.Parse("192.0.2.10"), 50000),
                SignalingCandidate.FromIPAddress(IceCandidateType.Host, IPAddress.Parse("2001:db8::10"), 50001),
                SignalingCandidate.FromIPAddress(IceCandidateType.ServerReflexive, IPAddress.Parse("198.51.100.7"), 61000),
            ],
            blob.Candidates.ToArray());

        SessionDescription back = Parse(SdpWriter.Write(CompactSignaling.Expand(blob)));
        Assert.Equal(sdp.IceUfrag, back.IceUfrag);
        Assert.Equal(sdp.IcePassword, back.IcePassword);
        Assert.Equal(sdp.Fingerprint.ToArray(), back.Fingerprint.ToArray());
        Assert.Equal(["192.0.2.10", "2001:db8::10", "198.51.100.7"], back.Candidates.Select(c => c.Address));
        Assert.True(back.Candidates[0].Priority > back.Candidates[1].Priority && back.Candidates[1].Priority > back.Candidates[2].Priority);
    }

    [Fact]
    public void Absent_max_message_size_means_64_KiB_and_is_carried()
    {
        SessionDescription sdp = Parse(ChromiumSamples.FirefoxStyleAnswer);
        Assert.Equal(CompactResult.Ok, CompactSignaling.TryCompact(sdp, out SignalingBlob blob, out _, out _));
        Assert.Equal(65536u, blob.MaxMessageSize);
        Assert.Equal(SignalingRole.Answer, blob.Role);
        Assert.Contains("a=max-message-size:65536\r\n", SdpWriter.Write(CompactSignaling.Expand(blob)), StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_seven_candidates_keep_the_seven_highest_priorities()
    {
        SessionDescription sdp = Parse(ChromiumSamples.Offer);
        var many = Enumerable.Range(1, 9).Select(i => new SdpCandidate
        {
            Foundation = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Priority = (uint)(1000 + i),
            Address = $"192.0.2.{i}",
            Port = 5000 + i,
            Type = IceCandidateType.Host,
        }).ToList();
        var withMany = new SessionDescription
        {
            IceUfrag = sdp.IceUfrag,
            IcePassword = sdp.IcePassword,
            Fingerprint = sdp.Fingerprint,
            Candidates = many,
        };
        Assert.Equal(CompactResult.Ok, CompactSignaling.TryCompact(withMany, out SignalingBlob blob, out CompactionReport report, out _));
        Assert.Equal(2, report.OverLimit);
        Assert.Equal(7, blob.Candidates.Length);
        Assert.Equal([5003, 5004, 5005, 5006, 5007, 5008, 5009], blob.Candidates.ToArray().Select(c => (int)c.Port));
    }

    [Fact]
    public void Credentials_too_long_for_the_string_are_an_error()
    {
        SessionDescription sdp = Parse(ChromiumSamples.Offer.Replace("a=ice-pwd:L75vufVF31PIdelogd7nJ2cO", "a=ice-pwd:" + new string('x', 60), StringComparison.Ordinal));
        Assert.Equal(CompactResult.CredentialsNotCarried, CompactSignaling.TryCompact(sdp, out _, out _, out string error));
        Assert.Equal("the ICE credentials (4-char ufrag, 60-char pwd) do not fit a compact string (ufrag 4-32, pwd 22-48 ice-chars)", error);
    }

    [Fact]
    public void Non_default_sctp_port_is_an_error()
    {
        SessionDescription sdp = Parse(ChromiumSamples.Offer.Replace("a=sctp-port:5000", "a=sctp-port:5001", StringComparison.Ordinal));
        Assert.Equal(CompactResult.UnsupportedSctpPort, CompactSignaling.TryCompact(sdp, out _, out _, out string error));
        Assert.Equal("a=sctp-port:5001 cannot be carried (the compact string assumes 5000)", error);
    }

    [Fact]
    public void Priorities_follow_rfc_8445_formula()
    {
        Assert.Equal((126u << 24) | (65535u << 8) | 255u, CompactSignaling.Priority(IceCandidateType.Host, 0));
        Assert.Equal((100u << 24) | (65534u << 8) | 255u, CompactSignaling.Priority(IceCandidateType.ServerReflexive, 1));
        Assert.Equal((0u << 24) | (65533u << 8) | 255u, CompactSignaling.Priority(IceCandidateType.Relay, 2));
    }
}
