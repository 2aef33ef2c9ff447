using System.Net;
using RtcScamp.Transport.WebRtc.Stun;
using RtcScamp.Transport.WebRtc.Udp;
using Xunit;

namespace RtcScamp.Tests.Udp;

public class UdpDemultiplexerTests
{
    private sealed class Conn(string name)
    {
        public override string ToString() => name;
    }

    private static readonly IPEndPoint s_peer = new(IPAddress.Loopback, 9000);

    private static byte[] Check(string username)
    {
        var buffer = new byte[256];
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, new byte[12]);
        w.WriteUsername(System.Text.Encoding.ASCII.GetBytes(username));
        w.WriteFingerprint();
        return buffer.AsSpan(0, w.Length).ToArray();
    }

    [Theory]
    [InlineData(0, DatagramClass.Stun)]
    [InlineData(3, DatagramClass.Stun)]
    [InlineData(4, DatagramClass.Unknown)]
    [InlineData(16, DatagramClass.Zrtp)]
    [InlineData(19, DatagramClass.Zrtp)]
    [InlineData(20, DatagramClass.Dtls)]
    [InlineData(22, DatagramClass.Dtls)]
    [InlineData(63, DatagramClass.Dtls)]
    [InlineData(64, DatagramClass.TurnChannel)]
    [InlineData(79, DatagramClass.TurnChannel)]
    [InlineData(80, DatagramClass.Unknown)]
    [InlineData(127, DatagramClass.Unknown)]
    [InlineData(128, DatagramClass.Rtp)]
    [InlineData(191, DatagramClass.Rtp)]
    [InlineData(192, DatagramClass.Unknown)]
    [InlineData(255, DatagramClass.Unknown)]
    public void First_byte_ranges_follow_rfc7983(byte first, DatagramClass expected)
    {
        Assert.Equal(expected, DatagramClassifier.Classify([first, 0, 0]));
    }

    [Fact]
    public void Empty_datagram_is_unknown() => Assert.Equal(DatagramClass.Unknown, DatagramClassifier.Classify([]));

    [Fact]
    public void Stun_routes_by_local_ufrag_before_the_address_is_known()
    {
        var demux = new UdpDemultiplexer<Conn>();
        var a = new Conn("a");
        var b = new Conn("b");
        demux.RegisterUfrag("ufA1", a);
        demux.RegisterUfrag("ufB2", b);
        Assert.Equal(DemuxResult.Stun, demux.Route(Check("ufB2:remote"), s_peer, out Conn? t1));
        Assert.Same(b, t1);
        Assert.Equal(DemuxResult.Stun, demux.Route(Check("ufA1:x"), s_peer, out Conn? t2));
        Assert.Same(a, t2);
        Assert.Equal(DemuxResult.NoTarget, demux.Route(Check("nobody:x"), s_peer, out Conn? t3));
        Assert.Null(t3);
        Assert.Equal(DemuxResult.NoTarget, demux.Route(Check("ufA"), s_peer, out _)); // prefix is not a match
    }

    [Fact]
    public void Dtls_and_stun_responses_route_by_remote_address()
    {
        var demux = new UdpDemultiplexer<Conn>();
        var a = new Conn("a");
        Assert.Equal(DemuxResult.NoTarget, demux.Route([22, 254, 253, 0], s_peer, out _));
        demux.BindRemote(new IPEndPoint(IPAddress.Loopback, 9000), a);
        Assert.Equal(DemuxResult.Dtls, demux.Route([22, 254, 253, 0], s_peer, out Conn? t));
        Assert.Same(a, t);
        Assert.Equal(DemuxResult.TurnChannel, demux.Route([0x40, 0, 0, 0], s_peer, out _));

        var buffer = new byte[64];
        var w = new StunWriter(buffer, StunProtocol.BindingSuccessResponse, new byte[12]);
        w.WriteXorMappedAddress(s_peer);
        Assert.Equal(DemuxResult.Stun, demux.Route(buffer.AsSpan(0, w.Length), s_peer, out Conn? r));
        Assert.Same(a, r);

        demux.Remove(a);
        Assert.Equal(0, demux.RemoteCount);
        Assert.Equal(DemuxResult.NoTarget, demux.Route([22, 254, 253, 0], s_peer, out _));
    }

    [Fact]
    public void Rtp_and_malformed_stun_are_dropped()
    {
        var demux = new UdpDemultiplexer<Conn>();
        demux.BindRemote(s_peer, new Conn("a"));
        Assert.Equal(DemuxResult.Dropped, demux.Route([0x80, 0x60, 0, 1], s_peer, out _));
        Assert.Equal(DemuxResult.MalformedStun, demux.Route([0, 1, 0, 0, 1], s_peer, out _));
    }
}
