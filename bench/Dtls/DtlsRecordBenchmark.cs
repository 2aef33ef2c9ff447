using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.Dtls;

/// <summary>
/// Steady-state record protection on the caller's thread: one 1 KiB message encrypted by the client,
/// decrypted by the server (AES-128-GCM), with our own record layer (the default after the handshake)
/// and, for comparison, with BouncyCastle's. Also the cost of datagrams that yield no data: a tampered
/// record (authentication fails: one CryptographicException in ours; in BouncyCastle's, the mailbox ends
/// its receive loop with one exception) and non-DTLS noise (rejected by the header check).
/// </summary>
[MemoryDiagnoser]
public class DtlsRecordBenchmark
{
    private readonly SemaphoreSlim _signal = new(0);
    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _plain = new byte[2048];
    private readonly byte[] _payload = new byte[1024];
    private readonly byte[] _noise = new byte[1024];
    private byte[] _tampered = null!;
    private InMemoryDtlsPair _pair = null!;

    /// <summary>Whose record layer protects application data after the handshake.</summary>
    [Params("Own", "BouncyCastle")]
    public string RecordLayer { get; set; } = "Own";

    [GlobalSetup]
    public void Setup()
    {
        var options = new DtlsOptions { BouncyCastleRecordLayer = RecordLayer == "BouncyCastle" };
        _pair = new InMemoryDtlsPair(NodeIdentity.Generate(), NodeIdentity.Generate(), () => _signal.Release(), options);
        InMemoryDtlsPair.ConnectAll([_pair], _signal, _buffer);
        _pair.Client.WaitForHandshakeThread(TimeSpan.FromSeconds(10));
        _pair.Server.WaitForHandshakeThread(TimeSpan.FromSeconds(10));
        if (_pair.Client.UsesOwnRecordLayer != (RecordLayer == "Own") || _pair.Server.UsesOwnRecordLayer != (RecordLayer == "Own"))
        {
            throw new InvalidOperationException($"expected the {RecordLayer} record layer, got {_pair.Client.RecordProtection}");
        }

        Random.Shared.NextBytes(_payload);
        Random.Shared.NextBytes(_noise);
        _noise[0] = 0x80;

        _pair.Client.Send(_payload);
        _pair.Client.TryPollDatagram(_buffer, out int length);
        _tampered = _buffer.AsSpan(0, length).ToArray();
        _tampered[^1] ^= 1;
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Close();

    [Benchmark]
    public int EncryptDecrypt1KiB()
    {
        DtlsEndpoint client = _pair.Client;
        DtlsEndpoint server = _pair.Server;
        client.Send(_payload);
        client.TryPollDatagram(_buffer, out int length);
        server.HandleDatagram(_buffer.AsSpan(0, length));
        server.TryReceive(_plain, out int received);
        return received;
    }

    [Benchmark]
    public long TamperedRecordDiscarded()
    {
        _pair.Server.HandleDatagram(_tampered);
        return _pair.Server.IgnoredDatagrams;
    }

    [Benchmark]
    public long NoiseDropped()
    {
        _pair.Server.HandleDatagram(_noise);
        return _pair.Server.DroppedDatagrams;
    }
}
