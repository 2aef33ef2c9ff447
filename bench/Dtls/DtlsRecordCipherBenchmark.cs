using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc.Dtls;

namespace RtcScamp.Bench.Dtls;

/// <summary>
/// The AEAD alone, one direction, 1 KiB record: DtlsRecordCipher.Seal and TryOpen over .NET's AesGcm /
/// ChaCha20Poly1305 (OpenSSL underneath on Linux), to separate the cipher from the endpoint's
/// locking, queueing and header work measured by <see cref="DtlsRecordBenchmark"/>.
/// </summary>
[MemoryDiagnoser]
public class DtlsRecordCipherBenchmark
{
    private readonly byte[] _plaintext = new byte[1024];
    private readonly byte[] _fragment = new byte[1024 + 8 + 16];
    private readonly byte[] _opened = new byte[1024];
    private DtlsRecordCipher _cipher = null!;

    /// <summary>The AEAD (DtlsAead is internal, so by name).</summary>
    [Params("Aes128Gcm", "ChaCha20Poly1305")]
    public string Aead { get; set; } = "Aes128Gcm";

    [GlobalSetup]
    public void Setup()
    {
        DtlsAead aead = Enum.Parse<DtlsAead>(Aead);
        byte[] key = RandomNumberGenerator.GetBytes(aead == DtlsAead.Aes128Gcm ? 16 : 32);
        byte[] iv = RandomNumberGenerator.GetBytes(aead == DtlsAead.Aes128Gcm ? 4 : 12);
        _cipher = new DtlsRecordCipher(aead, key, iv);
        RandomNumberGenerator.Fill(_plaintext);
    }

    [GlobalCleanup]
    public void Cleanup() => _cipher.Dispose();

    [Benchmark]
    public void Seal1KiB() => _cipher.Seal(42, 23, 0xFEFD, _plaintext, _fragment.AsSpan(0, 1024 + _cipher.Overhead));

    [Benchmark]
    public bool SealOpen1KiB()
    {
        Span<byte> fragment = _fragment.AsSpan(0, 1024 + _cipher.Overhead);
        _cipher.Seal(42, 23, 0xFEFD, _plaintext, fragment);
        return _cipher.TryOpen(42, 23, 0xFEFD, fragment, _opened);
    }
}
