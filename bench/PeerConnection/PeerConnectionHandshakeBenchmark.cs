using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.PeerConnections;

/// <summary>
/// One C#↔C# connection over 127.0.0.1, two drivers (two sockets): from CreateOffer to both sides
/// Connected (ICE checks + nomination, then the DTLS handshake with fingerprint pinning), then both
/// closed. Allocation counts both sides and includes BouncyCastle's handshake.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 20)]
public class PeerConnectionHandshakeBenchmark
{
    private WebRtcUdpDriver _a = null!;
    private WebRtcUdpDriver _b = null!;
    private NodeIdentity _alice = null!;
    private NodeIdentity _bob = null!;

    [GlobalSetup]
    public void Setup()
    {
        _a = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        _b = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        _alice = NodeIdentity.Generate();
        _bob = NodeIdentity.Generate();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task OfferToConnected()
    {
        PeerConnection offerer = _a.CreatePeerConnection(_alice);
        PeerConnection answerer = _b.CreatePeerConnection(_bob);
        await LoopbackPeers.Exchange(offerer, answerer).WaitAsync(TimeSpan.FromSeconds(30));
        answerer.Close();
        offerer.Close();
    }
}
