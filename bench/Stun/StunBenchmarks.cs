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
