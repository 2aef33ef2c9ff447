using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc.Sctp;

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

    private SctpAssociation _a = null!;
    private SctpAssociation _b = null!;
    private readonly byte[] _packet = new byte[1500];
    private readonly byte[] _read = new byte[256 * 1024];
    private byte[] _message1K = null!;
    private byte[] _message64K = null!;
    private long _now;
    private int _delivered;

    [GlobalSetup]
    public void Setup()
    {
        _a = Create(1);
        _b = Create(2);
        _a.Connect(0);
        _b.Connect(0);
        while (_a.State != SctpAssociationState.Established || _b.State != SctpAssociationState.Established)
        {
            Shuttle();
        }

        _message1K = new byte[1024];
        _message64K = new byte[64 * 1024];
        new Random(1).NextBytes(_message64K);
        _message64K.AsSpan(0, 1024).CopyTo(_message1K);
        Run(_message64K, 64);
        Run(_message1K, 4096);
    }

    private static SctpAssociation Create(byte seed)
    {
        var bytes = new byte[32];
        Array.Fill(bytes, seed);
        return new SctpAssociation(new SctpAssociationOptions(), bytes);
    }

    [Benchmark(OperationsPerInvoke = BatchBytes / (64 * 1024))]
    public int Messages_64KiB() => Run(_message64K, BatchBytes / (64 * 1024));

    [Benchmark(OperationsPerInvoke = BatchBytes / 1024)]
    public int Messages_1KiB() => Run(_message1K, BatchBytes / 1024);

    private int Run(byte[] message, int count)
    {
        int target = _delivered + count;
        for (int i = 0; i < count; i++)
        {
            if (_a.Send(1, 53, message) != SctpSendResult.Ok)
            {
                throw new InvalidOperationException("send refused");
            }
        }

        while (_delivered < target || _a.BufferedAmount > 0)
        {
            Shuttle();
        }

        return _delivered;
    }

    private void Shuttle()
    {
        _now++;
        bool moved = Move(_a, _b);
        while (_b.PollEvent(out SctpEvent ev))
        {
            if (ev.Kind == SctpEventKind.Message)
            {
                _b.ReadMessage(_read);
                _delivered++;
            }
        }

        moved |= Move(_b, _a);
        while (_a.PollEvent(out _))
        {
        }

        if (!moved)
        {
            _now = Math.Max(_now, Math.Min(_a.PollTimeout(), _b.PollTimeout()));
            _a.HandleTimeout(_now);
            _b.HandleTimeout(_now);
        }
    }

    private bool Move(SctpAssociation from, SctpAssociation to)
    {
        bool any = false;
        int n;
        while ((n = from.PollTransmit(_packet, _now)) > 0)
        {
            to.HandlePacket(_packet.AsSpan(0, n), _now);
            any = true;
        }

        return any;
    }
}
