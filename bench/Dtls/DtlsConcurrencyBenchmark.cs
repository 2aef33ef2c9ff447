using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.Dtls;

/// <summary>
/// N concurrent in-memory handshakes (2N endpoints, so up to 2N handshake threads) driven by one
/// shuttling thread: wall time for all N to connect. Peak handshake threads and peak process threads
/// are printed per iteration ("// dtls-concurrency ...") and show up in the BenchmarkDotNet log.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class DtlsConcurrencyBenchmark
{
    private readonly SemaphoreSlim _signal = new(0);
    private readonly byte[] _buffer = new byte[2048];
    private NodeIdentity _clientIdentity = null!;
    private NodeIdentity _serverIdentity = null!;
    private List<InMemoryDtlsPair> _pairs = [];
    private int _processThreadsBefore;

    [Params(50, 100, 200)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clientIdentity = NodeIdentity.Generate();
        _serverIdentity = NodeIdentity.Generate();
    }

    [IterationSetup]
    public void CreatePairs()
    {
        _pairs = new List<InMemoryDtlsPair>(Concurrency);
        for (int i = 0; i < Concurrency; i++)
        {
            _pairs.Add(new InMemoryDtlsPair(_clientIdentity, _serverIdentity, () => _signal.Release()));
        }

        DtlsEndpoint.ResetPeakHandshakeThreads();
        using var process = Process.GetCurrentProcess();
        _processThreadsBefore = process.Threads.Count;
    }

    [Benchmark]
    public void ConcurrentHandshakes() => InMemoryDtlsPair.ConnectAll(_pairs, _signal, _buffer);

    [IterationCleanup]
    public void ClosePairs()
    {
        int peakHandshake = DtlsEndpoint.PeakHandshakeThreads;
        using var process = Process.GetCurrentProcess();
        int threadsAtEnd = process.Threads.Count;
        foreach (InMemoryDtlsPair pair in _pairs)
        {
            pair.Close();
        }

        process.Refresh();
        Console.WriteLine(
            $"// dtls-concurrency N={Concurrency} peakHandshakeThreads={peakHandshake} processThreadsBefore={_processThreadsBefore} " +
            $"atConnected={threadsAtEnd} afterClose={process.Threads.Count} liveHandshakeThreadsAfterClose={DtlsEndpoint.LiveHandshakeThreads}");
    }
}
