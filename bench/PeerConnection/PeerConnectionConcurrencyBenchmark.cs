using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.PeerConnections;

/// <summary>
/// N connections at once on one hub socket over 127.0.0.1: the hub's driver carries all N (half as
/// offerer, half as answerer); each remote end has its own driver, since DTLS is demultiplexed by
/// the remote address (one remote socket per connection). Measures the wall time until all 2N sides
/// are Connected. Per iteration it prints ("// peer-concurrency ...") the process threads before,
/// at the peak of handshakes and once all are connected, the peak DTLS handshake threads, and the
/// retained managed heap per connection (both ends, after a full GC, connected and idle).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class PeerConnectionConcurrencyBenchmark
{
    private NodeIdentity _hubIdentity = null!;
    private NodeIdentity _spokeIdentity = null!;
    private WebRtcUdpDriver _hub = null!;
    private WebRtcUdpDriver[] _spokes = [];
    private PeerConnection[] _hubSide = [];
    private PeerConnection[] _spokeSide = [];
    private long _heapBefore;
    private int _threadsBefore;

    [Params(50, 100, 200)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hubIdentity = NodeIdentity.Generate();
        _spokeIdentity = NodeIdentity.Generate();
    }

    [IterationSetup]
    public void CreateDrivers()
    {
        _hub = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        _spokes = new WebRtcUdpDriver[Connections];
        for (int i = 0; i < Connections; i++)
        {
            _spokes[i] = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        }

        _hubSide = new PeerConnection[Connections];
        _spokeSide = new PeerConnection[Connections];
        DtlsEndpoint.ResetPeakHandshakeThreads();
        _heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        _threadsBefore = process.Threads.Count;
    }

    [Benchmark]
    public async Task AllConnected()
    {
        var up = new Task[Connections];
        for (int i = 0; i < Connections; i++)
        {
            _hubSide[i] = _hub.CreatePeerConnection(_hubIdentity);
            _spokeSide[i] = _spokes[i].CreatePeerConnection(_spokeIdentity);
            up[i] = i % 2 == 0 ? LoopbackPeers.Exchange(_hubSide[i], _spokeSide[i]) : LoopbackPeers.Exchange(_spokeSide[i], _hubSide[i]);
        }

        await Task.WhenAll(up).WaitAsync(TimeSpan.FromSeconds(120));
    }

    [IterationCleanup]
    public void CloseAll()
    {
        using var process = Process.GetCurrentProcess();
        int threadsConnected = process.Threads.Count;
        long heapPerConnection = (GC.GetTotalMemory(forceFullCollection: true) - _heapBefore) / Connections;
        int peakHandshakeThreads = DtlsEndpoint.PeakHandshakeThreads;
        Thread.Sleep(200); // let finished handshake threads exit before counting again
        process.Refresh();
        Console.WriteLine(
            $"// peer-concurrency N={Connections} threadsBefore={_threadsBefore} threadsAllConnected={threadsConnected} " +
            $"threadsIdle={process.Threads.Count} peakHandshakeThreads={peakHandshakeThreads} liveHandshakeThreads={DtlsEndpoint.LiveHandshakeThreads} " +
            $"retainedBytesPerConnection={heapPerConnection} hubConnections={_hub.ConnectionCount}");
        _hub.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (WebRtcUdpDriver spoke in _spokes)
        {
            spoke.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
