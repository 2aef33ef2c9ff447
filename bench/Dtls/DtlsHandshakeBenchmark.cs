using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.Dtls;

/// <summary>
/// One full DTLS 1.2 handshake (ECDHE-ECDSA-AES128-GCM, mutual certificates, EMS) between two
/// in-memory endpoints, including both handshake threads' start and exit.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(iterationCount: 5, warmupCount: 1)]
public class DtlsHandshakeBenchmark
{
    private readonly SemaphoreSlim _signal = new(0);
    private readonly byte[] _buffer = new byte[2048];
    private NodeIdentity _clientIdentity = null!;
    private NodeIdentity _serverIdentity = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clientIdentity = NodeIdentity.Generate();
        _serverIdentity = NodeIdentity.Generate();
    }

    [Benchmark]
    public void Handshake()
    {
        var pair = new InMemoryDtlsPair(_clientIdentity, _serverIdentity, () => _signal.Release());
        InMemoryDtlsPair.ConnectAll([pair], _signal, _buffer);
        pair.Close();
    }
}
