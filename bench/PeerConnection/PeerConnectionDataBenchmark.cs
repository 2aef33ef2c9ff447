using System.Net;
using BenchmarkDotNet.Attributes;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.PeerConnections;

/// <summary>
/// Steady state through the SCTP hook: one connected pair on two 127.0.0.1 sockets. One operation =
/// 64 messages of 1 KiB sent with <see cref="PeerConnection.SendApplicationData"/> (DTLS encrypt +
/// sendto on the caller's thread) and all 64 delivered to <see cref="PeerConnection.ApplicationDataReceived"/>
/// on the peer's receive loop (recvfrom + demultiplex + DTLS decrypt). Allocation counts both ends.
/// </summary>
[MemoryDiagnoser]
public class PeerConnectionDataBenchmark
{
    private const int Burst = 64;

    private readonly byte[] _message = new byte[1024];
    private readonly SemaphoreSlim _delivered = new(0);
    private WebRtcUdpDriver _a = null!;
    private WebRtcUdpDriver _b = null!;
    private PeerConnection _sender = null!;
    private int _received;

    [GlobalSetup]
    public void Setup()
    {
        _a = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        _b = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        var raw = new PeerConnectionOptions { DataChannels = false }; // DTLS records alone, no SCTP
        _sender = _a.CreatePeerConnection(NodeIdentity.Generate(), raw);
        PeerConnection receiver = _b.CreatePeerConnection(NodeIdentity.Generate(), raw);
        LoopbackPeers.Exchange(_sender, receiver).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        receiver.ApplicationDataReceived = (_, _) =>
        {
            if (++_received == Burst)
            {
                _received = 0;
                _delivered.Release();
            }
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public void Send1KiBAndDeliver()
    {
        for (int i = 0; i < Burst; i++)
        {
            if (!_sender.SendApplicationData(_message))
            {
                throw new InvalidOperationException("send refused");
            }
        }

        if (!_delivered.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("messages lost on loopback (socket buffer overflow?)");
        }
    }
}
