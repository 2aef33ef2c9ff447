using BenchmarkDotNet.Attributes;
using RtcScamp.Tests;

namespace RtcScamp.Bench.Sctp;

/// <summary>
/// Two associations shuttled in memory (no DTLS, no sockets): each operation is one message sent,
/// fragmented, carried in ≤ 1200-byte packets with CRC32c, SACKed and reassembled and read on the
/// other side. A batch of 1 MiB of messages per invocation keeps the pipeline full, so the time per
/// operation is the steady-state cost per message; MB/s = message size / time per op.
/// </summary>
[MemoryDiagnoser]
public class SctpThroughputBenchmarks
{
    private const int BatchBytes = 1024 * 1024;

    private SctpInMemoryPair _pair = null!;
    private byte[] _message1K = null!;
    private byte[] _message64K = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pair = new SctpInMemoryPair();
        _message1K = new byte[1024];
        _message64K = new byte[64 * 1024];
        new Random(1).NextBytes(_message64K);
        _message64K.AsSpan(0, 1024).CopyTo(_message1K);
        Run(_message64K, 64);
        Run(_message1K, 4096);
    }

    [Benchmark(OperationsPerInvoke = BatchBytes / (64 * 1024))]
    public int Messages_64KiB() => Run(_message64K, BatchBytes / (64 * 1024));

    [Benchmark(OperationsPerInvoke = BatchBytes / 1024)]
    public int Messages_1KiB() => Run(_message1K, BatchBytes / 1024);

    private int Run(byte[] message, int count)
    {
        _pair.Transfer(message, count);
        return _pair.Delivered;
    }
}
