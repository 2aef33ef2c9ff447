using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;
using Xunit;

namespace RtcScamp.Tests.Sdp;

public class SdpParserTests
{
    private static SessionDescription Parse(string text)
    {
        SdpParseResult result = SdpParser.TryParse(text, out SessionDescription? sdp, out SdpParseError error);
        Assert.True(result == SdpParseResult.Ok, error.ToString());
        return sdp!;
    }

    [Fact]
    public void Parses_every_field_of_the_chromium_sample()
    {
        SessionDescription sdp = Parse(ChromiumSamples.Offer);
        Assert.Equal(9103663516567550640UL, sdp.SessionId);
        Assert.Equal(2UL, sdp.SessionVersion);
        Assert.Equal(["0"], sdp.BundleMids);
        Assert.Equal(9, sdp.MediaPort);
        Assert.Equal("0.0.0.0", sdp.ConnectionAddress);
        Assert.Equal("0", sdp.Mid);
        Assert.Equal("pVur", sdp.IceUfrag);
        Assert.Equal("L75vufVF31PIdelogd7nJ2cO", sdp.IcePassword);
        Assert.Equal(["trickle"], sdp.IceOptions);
        Assert.Equal(Convert.FromHexString("1E8C9C3DD8200D836D5EFF6992857C6EAB6DCC39B7E6D2814A018FAAC61EB48E"), sdp.Fingerprint.ToArray());
        Assert.Equal(DtlsSetup.ActPass, sdp.Setup);
        Assert.Equal(SignalingRole.Offer, sdp.InferredRole);
        Assert.Equal(5000, sdp.SctpPort);
        Assert.Equal(262144u, sdp.MaxMessageSize);
        Assert.Equal(2, sdp.Candidates.Count);
        SdpCandidate c = sdp.Candidates[0];
        Assert.Equal("2692562589", c.Foundation);
        Assert.Equal(1, c.Component);
        Assert.Equal("udp", c.Transport);
        Assert.Equal(2113937151u, c.Priority);
        Assert.Equal("9df367de-5876-44cb-90d5-10df74beb625.local", c.Address);
        Assert.True(c.IsMdns);
        Assert.Equal(57409, c.Port);
        Assert.Equal(IceCandidateType.Host, c.Type);
        Assert.Equal([new("generation", "0"), new("network-cost", "999")], c.Extensions);
    }

    [Fact]
    public void Writing_the_parsed_chromium_sample_reproduces_it_with_crlf()
    {
        SessionDescription sdp = Parse(ChromiumSamples.Offer);
        Assert.Equal(ChromiumSamples.Offer.Replace("\n", "\r\n", StringComparison.Ordinal), SdpWriter.Write(sdp));
    }

    [Fact]
    public void Writing_a_parsed_sdp_with_addresses_reproduces_it()
    {
        Assert.Equal(ChromiumSamples.OfferWithAddresses, SdpWriter.Write(Parse(ChromiumSamples.OfferWithAddresses)));
    }

    [Fact]
    public void Parses_srflx_related_address_and_tcp_candidates()
    {
        SessionDescription sdp = Parse(ChromiumSamples.OfferWithAddresses);
        Assert.Equal(4, sdp.Candidates.Count);
        Assert.Equal("tcp", sdp.Candidates[2].Transport);
        Assert.Equal(new("tcptype", "active"), sdp.Candidates[2].Extensions[0]);
        SdpCandidate srflx = sdp.Candidates[3];
        Assert.Equal(IceCandidateType.ServerReflexive, srflx.Type);
        Assert.Equal("192.0.2.10", srflx.RelatedAddress);
        Assert.Equal(50000, srflx.RelatedPort);
        Assert.Equal("198.51.100.7", sdp.ConnectionAddress);
    }

    [Fact]
    public void Session_level_attributes_apply_to_the_media_section()
    {
        SessionDescription sdp = Parse(ChromiumSamples.FirefoxStyleAnswer);
        Assert.Equal(0, sdp.Fingerprint.Span[0]);
        Assert.Equal(0x1F, sdp.Fingerprint.Span[31]);
        Assert.Equal(["trickle"], sdp.IceOptions);
        Assert.Equal("89abcdef", sdp.IceUfrag);
        Assert.Equal(DtlsSetup.Active, sdp.Setup);
        Assert.Equal(SignalingRole.Answer, sdp.InferredRole);
        Assert.Null(sdp.MaxMessageSize);
    }

    [Fact]
    public void Blank_lines_and_trailing_spaces_from_pasting_are_tolerated()
    {
        string pasted = "\n" + ChromiumSamples.Offer.Replace("\n", "  \r\n\r\n", StringComparison.Ordinal);
        Assert.Equal("pVur", Parse(pasted).IceUfrag);
    }

    [Theory]
    [InlineData("", SdpParseResult.Empty, "the SDP is empty")]
    [InlineData("v=1\r\n", SdpParseResult.BadVersion, "line 1: an SDP starts with 'v=0'")]
    [InlineData("v=0\r\nhello\r\n", SdpParseResult.MalformedLine, "line 2: not a '<letter>=<value>' line")]
    [InlineData("v=0\r\no=- x 2 IN IP4 127.0.0.1\r\n", SdpParseResult.BadOrigin, "line 2: bad o= line: expected '<user> <session-id> <version> IN IP4 <address>' with numeric id and version")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", SdpParseResult.MissingLine, "no data-channel section ('m=application … UDP/DTLS/SCTP webrtc-datachannel')")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", SdpParseResult.UnsupportedMedia, "line 3: unsupported media 'm=audio': only a data channel (m=application) is supported")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 DTLS/SCTP 5000\r\n", SdpParseResult.UnsupportedMedia, "line 3: unsupported data section: expected 'm=application <port> UDP/DTLS/SCTP webrtc-datachannel' (RFC 8841)")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-pwd:L75vufVF31PIdelogd7nJ2cO\r\n", SdpParseResult.MissingAttribute, "missing a=ice-ufrag")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:ab\r\n", SdpParseResult.BadAttribute, "line 4: bad a=ice-ufrag: expected 4-256 ice-chars (letters, digits, '+', '/')")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=fingerprint:sha-256 1E:8C\r\n", SdpParseResult.BadAttribute, "line 4: bad a=fingerprint:sha-256: expected 32 hex pairs joined by ':'")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:holdconn\r\n", SdpParseResult.BadAttribute, "line 4: bad a=setup: expected actpass, active or passive")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:70000\r\n", SdpParseResult.BadAttribute, "line 4: bad a=sctp-port: expected 1-65535")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2113937151 192.0.2.1 99999 typ host\r\n", SdpParseResult.BadCandidate, "line 4: bad a=candidate: port must be 0-65535")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2113937151 192.0.2.1 5000 typ bogus\r\n", SdpParseResult.BadCandidate, "line 4: bad a=candidate: expected 'typ host|srflx|prflx|relay'")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2113937151 192.0.2.1 5000 typ host generation\r\n", SdpParseResult.BadCandidate, "line 4: bad a=candidate: an extension name without a value")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2113937151 <script> 5000 typ host\r\n", SdpParseResult.BadCandidate, "line 4: bad a=candidate: bad connection address")]
    public void Errors_name_the_line_and_the_problem(string text, SdpParseResult expected, string message)
    {
        Assert.Equal(expected, SdpParser.TryParse(text, out SessionDescription? sdp, out SdpParseError error));
        Assert.Null(sdp);
        Assert.Equal(message, error.ToString());
    }

    [Fact]
    public void Missing_sha256_fingerprint_is_named()
    {
        string text = ChromiumSamples.Offer.Replace("a=fingerprint:sha-256", "a=fingerprint:sha-1", StringComparison.Ordinal);
        Assert.Equal(SdpParseResult.MissingAttribute, SdpParser.TryParse(text, out _, out SdpParseError error));
        Assert.Equal("missing a=fingerprint:sha-256 (only SHA-256 fingerprints are supported)", error.ToString());
    }

    [Fact]
    public void Size_limits_are_enforced_before_parsing()
    {
        Assert.Equal(SdpParseResult.TooLong, SdpParser.TryParse(new string('a', SdpParser.MaxLength + 1), out _, out _));
        Assert.Equal(SdpParseResult.TooManyLines, SdpParser.TryParse("v=0\n" + string.Concat(Enumerable.Repeat("a=x\n", SdpParser.MaxLines)), out _, out _));
        Assert.Equal(SdpParseResult.LineTooLong, SdpParser.TryParse("v=0\na=" + new string('x', SdpParser.MaxLineLength), out _, out SdpParseError e));
        Assert.Equal(2, e.Line);
        string many = ChromiumSamples.Offer + string.Concat(Enumerable.Repeat("a=candidate:1 1 udp 2113937151 192.0.2.1 5000 typ host\n", SdpParser.MaxCandidates));
        Assert.Equal(SdpParseResult.TooManyCandidates, SdpParser.TryParse(many, out _, out _));
    }

    [Fact]
    public void Second_data_section_is_rejected()
    {
        string text = ChromiumSamples.Offer + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n";
        Assert.Equal(SdpParseResult.UnsupportedMedia, SdpParser.TryParse(text, out _, out SdpParseError error));
        Assert.Equal("line 20: more than one data-channel section", error.ToString());
    }

    [Fact]
    public void Every_prefix_and_every_single_line_deletion_of_the_sample_parses_or_fails_cleanly()
    {
        string text = ChromiumSamples.Offer;
        for (int n = 0; n <= text.Length; n++)
        {
            SdpParseResult result = SdpParser.TryParse(text[..n], out SessionDescription? sdp, out SdpParseError error);
            Assert.True(result == SdpParseResult.Ok ? sdp is not null : sdp is null && error.ToString().Length > 0);
        }

        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string without = string.Join('\n', lines.Where((_, k) => k != i));
            SdpParseResult result = SdpParser.TryParse(without, out SessionDescription? sdp, out _);
            Assert.Equal(result == SdpParseResult.Ok, sdp is not null);
        }
    }
}
