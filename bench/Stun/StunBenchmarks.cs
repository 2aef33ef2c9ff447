using System.Net;
using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc.Stun;

namespace RtcScamp.Bench.Stun;

/// <summary>
/// The per-check STUN work of an ICE agent: parse + verify an incoming Binding request (fingerprint,
/// HMAC-SHA1 integrity) and build the authenticated Binding success response. Must allocate 0 B.
/// </summary>
[MemoryDiagnoser]
public class StunBenchmarks
{
    private static readonly byte[] s_password = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();
    private readonly byte[] _request = new byte[StunProtocol.MaxMessageSize];
    private readonly byte[] _response = new byte[StunProtocol.MaxMessageSize];
    private readonly IPEndPoint _peer = new(IPAddress.Parse("10.99.0.2"), 54321);
    private int _requestLength;

    [GlobalSetup]
    public void Setup()
    {
        // A Chromium-shaped check: USERNAME, GOOG-NETWORK-INFO, ICE-CONTROLLING, USE-CANDIDATE,
        // PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT.
        var w = new StunWriter(_request, StunProtocol.BindingRequest, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        w.WriteUsername("evtj"u8, "h6vY"u8);
        w.WriteAttribute(0xC057, [0, 1, 0, 10]);
        w.WriteIceControlling(0x932ff9b151263b36);
        w.WriteUseCandidate();
        w.WritePriority(0x6e0001ff);
        w.WriteMessageIntegrity(s_password);
        w.WriteFingerprint();
        _requestLength = w.Length;
    }

    [Benchmark]
    public bool ParseAndVerifyRequest()
    {
        return StunMessage.TryParse(_request.AsSpan(0, _requestLength), out StunMessage m) == StunParseError.None
            && m.UsernameStartsWithUfrag("evtj"u8)
            && m.VerifyIntegrity(s_password);
    }

    [Benchmark]
    public int BuildSuccessResponse()
    {
        var w = new StunWriter(_response, StunProtocol.BindingSuccessResponse, _request.AsSpan(8, 12));
        w.WriteXorMappedAddress(_peer);
        w.WriteMessageIntegrity(s_password);
        w.WriteFingerprint();
        return w.Length;
    }
}

/// <summary>Routing one datagram on the shared socket: a STUN check by ufrag, a DTLS record by address. Must allocate 0 B.</summary>
[MemoryDiagnoser]
public class DemultiplexerBenchmarks
{
    private readonly RtcScamp.Transport.WebRtc.Udp.UdpDemultiplexer<object> _demux = new();
    private readonly byte[] _check = new byte[StunProtocol.MaxMessageSize];
    private readonly byte[] _dtls = new byte[100];
    private readonly IPEndPoint _peer = new(IPAddress.Parse("10.99.0.2"), 54321);
    private int _checkLength;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < 1000; i++)
        {
            var target = new object();
            _demux.RegisterUfrag("uf" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), target);
            _demux.BindRemote(new IPEndPoint(IPAddress.Parse("10.99.0.2"), 50000 + i), target);
        }

        var w = new StunWriter(_check, StunProtocol.BindingRequest, new byte[12]);
        w.WriteUsername("uf500"u8, "peer"u8);
        w.WritePriority(1);
        w.WriteMessageIntegrity("VOkJxbRl1RmTxUk/WvJxBt"u8);
        w.WriteFingerprint();
        _checkLength = w.Length;
        _dtls[0] = 23;
        _peer.Port = 50500;
    }

    [Benchmark]
    public RtcScamp.Transport.WebRtc.Udp.DemuxResult RouteStunByUfrag() => _demux.Route(_check.AsSpan(0, _checkLength), _peer, out _);

    [Benchmark]
    public RtcScamp.Transport.WebRtc.Udp.DemuxResult RouteDtlsByAddress() => _demux.Route(_dtls, _peer, out _);
}
