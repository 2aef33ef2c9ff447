namespace RtcScamp.Tests.Sdp;

/// <summary>SDP texts written by browsers, kept verbatim (LF line ends as captured from the page).</summary>
internal static class ChromiumSamples
{
    /// <summary>Chromium 156's data-channel offer (/work/shared/interop/chromium-offer-sample.sdp).</summary>
    public const string Offer =
        "v=0\n" +
        "o=- 9103663516567550640 2 IN IP4 127.0.0.1\n" +
        "s=-\n" +
        "t=0 0\n" +
        "a=group:BUNDLE 0\n" +
        "a=extmap-allow-mixed\n" +
        "a=msid-semantic: WMS\n" +
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n" +
        "c=IN IP4 0.0.0.0\n" +
        "a=candidate:2692562589 1 udp 2113937151 9df367de-5876-44cb-90d5-10df74beb625.local 57409 typ host generation 0 network-cost 999\n" +
        "a=candidate:1796996989 1 udp 2113942271 3f2b96da-93c3-4223-a89b-61001cc7a964.local 49801 typ host generation 0 network-cost 999\n" +
        "a=ice-ufrag:pVur\n" +
        "a=ice-pwd:L75vufVF31PIdelogd7nJ2cO\n" +
        "a=ice-options:trickle\n" +
        "a=fingerprint:sha-256 1E:8C:9C:3D:D8:20:0D:83:6D:5E:FF:69:92:85:7C:6E:AB:6D:CC:39:B7:E6:D2:81:4A:01:8F:AA:C6:1E:B4:8E\n" +
        "a=setup:actpass\n" +
        "a=mid:0\n" +
        "a=sctp-port:5000\n" +
        "a=max-message-size:262144\n";

    /// <summary>
    /// The same offer as Chromium writes it without mDNS hiding and with a STUN server: IPv4 and
    /// IPv6 host, srflx and a TCP candidate (line forms as Chromium writes them).
    /// </summary>
    public const string OfferWithAddresses =
        "v=0\r\n" +
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "t=0 0\r\n" +
        "a=group:BUNDLE 0\r\n" +
        "a=extmap-allow-mixed\r\n" +
        "a=msid-semantic: WMS\r\n" +
        "m=application 50000 UDP/DTLS/SCTP webrtc-datachannel\r\n" +
        "c=IN IP4 198.51.100.7\r\n" +
        "a=candidate:3001563245 1 udp 2122260223 192.0.2.10 50000 typ host generation 0 network-id 1 network-cost 10\r\n" +
        "a=candidate:1172327837 1 udp 2122197247 2001:db8::10 50001 typ host generation 0 network-id 2 network-cost 10\r\n" +
        "a=candidate:4033732497 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active generation 0 network-id 1 network-cost 10\r\n" +
        "a=candidate:842163049 1 udp 1686052607 198.51.100.7 61000 typ srflx raddr 192.0.2.10 rport 50000 generation 0 network-id 1 network-cost 10\r\n" +
        "a=ice-ufrag:Zr4q\r\n" +
        "a=ice-pwd:8i7DRQHQZ1hx/T9pZQ+wgNu7\r\n" +
        "a=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 A0:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
        "a=setup:actpass\r\n" +
        "a=mid:0\r\n" +
        "a=sctp-port:5000\r\n" +
        "a=max-message-size:262144\r\n";

    /// <summary>A Firefox-style answer: session-level fingerprint and ice-options, no max-message-size.</summary>
    public const string FirefoxStyleAnswer =
        "v=0\r\n" +
        "o=mozilla...THIS_IS_SDPARTA-99.0 6510394624862254106 0 IN IP4 0.0.0.0\r\n" +
        "s=-\r\n" +
        "t=0 0\r\n" +
        "a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F\r\n" +
        "a=group:BUNDLE 0\r\n" +
        "a=ice-options:trickle\r\n" +
        "a=msid-semantic:WMS *\r\n" +
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "a=sendrecv\r\n" +
        "a=ice-pwd:0123456789abcdef0123456789abcdef\r\n" +
        "a=ice-ufrag:89abcdef\r\n" +
        "a=mid:0\r\n" +
        "a=setup:active\r\n" +
        "a=sctp-port:5000\r\n";
}
