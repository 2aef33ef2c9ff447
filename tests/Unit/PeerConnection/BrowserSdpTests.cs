using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Tests.Sdp;
using RtcScamp.Wire.Signaling;
using Xunit;

namespace RtcScamp.Tests.PeerConnections;

public sealed class BrowserSdpTests
{
    [Fact]
    public async Task Our_offer_expands_to_sdp_and_a_browser_offer_compacts_to_a_string()
    {
        await using var driver = new WebRtcUdpDriver(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        NodeIdentity identity = NodeIdentity.Generate();
        string offer = driver.CreatePeerConnection(identity).CreateOffer();

        Assert.True(BrowserSdp.TryExpand(offer, out string? sdp, out string error), error);
        Assert.Contains("a=setup:actpass\r\n", sdp, StringComparison.Ordinal);
        Assert.Contains("a=fingerprint:sha-256 " + identity.Fingerprint + "\r\n", sdp, StringComparison.Ordinal);
        Assert.Contains($" {driver.LocalEndPoint.Address} {driver.LocalEndPoint.Port} typ host", sdp, StringComparison.Ordinal);

        // And back: the expansion compacts to the same string.
        Assert.True(BrowserSdp.TryCompact(sdp, out string? again, out string? mid, out error), error);
        Assert.Equal("0", mid);
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(again, out SignalingBlob b2, out _));
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(offer, out SignalingBlob b1, out _));
        Assert.Equal(b1.Fingerprint.ToArray(), b2.Fingerprint.ToArray());
        Assert.Equal(b1.IceUfrag, b2.IceUfrag);
        Assert.Equal(b1.IcePassword, b2.IcePassword);
        Assert.Equal(b1.Candidates.ToArray(), b2.Candidates.ToArray());

        Assert.True(BrowserSdp.TryCompact(ChromiumSamples.Offer, out string? chromium, out mid, out error), error);
        Assert.StartsWith("rs1", chromium, StringComparison.Ordinal);
        Assert.Equal("0", mid);
    }

    [Fact]
    public void Bad_input_is_reported_not_thrown()
    {
        Assert.False(BrowserSdp.TryExpand("rs1nonsense", out _, out string error));
        Assert.NotEmpty(error);
        Assert.False(BrowserSdp.TryCompact("v=0\r\nm=audio 9 RTP/AVP 0\r\n", out _, out _, out error));
        Assert.NotEmpty(error);
    }
}
