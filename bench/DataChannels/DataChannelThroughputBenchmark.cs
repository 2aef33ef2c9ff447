using System.Net;
using BenchmarkDotNet.Attributes;
using RtcScamp.Bench.PeerConnections;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.DataChannels;

/// <summary>
/// C#↔C# data-channel throughput over 127.0.0.1, one reliable ordered channel, two drivers (two
/// sockets): each invocation sends 8 MiB as messages of <see cref="MessageSize"/> bytes
/// (RtcDataChannel.Send on the benchmark thread: SCTP packetising, DTLS encrypt, sendto) and ends when
/// the receiving channel's handler has seen every byte (recvfrom, DTLS decrypt, SCTP reassembly, SACKs
/// back). The sender keeps at most 4 MiB unacknowledged, waiting on BufferedAmountLow (1 MiB).
/// One op = 8 MiB; Allocated (both ends) ÷ message count = allocation per message.
/// </summary>
[MemoryDiagnoser]
public class DataChannelThroughputBenchmark
{
    private const long Total = 8L * 1024 * 1024;
    private const long HighWater = 4L * 1024 * 1024;

    private readonly SemaphoreSlim _low = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private WebRtcUdpDriver? _a;
    private WebRtcUdpDriver? _b;
    private RtcDataChannel? _channel;
    private byte[] _message = [];
    private long _received;

    /// <summary>Bytes per message.</summary>
    [Params(1024, 64 * 1024)]
    public int MessageSize { get; set; }

    private int Count => (int)(Total / MessageSize);

    [GlobalSetup]
    public void Setup()
    {
        _a = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        _b = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        PeerConnection sender = _a.CreatePeerConnection(NodeIdentity.Generate());
        PeerConnection receiver = _b.CreatePeerConnection(NodeIdentity.Generate());
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.IncomingDataChannel += c => c.MessageReceived += (_, m, _) =>
        {
            _received += m.Length;
            if (_received == Total)
            {
                _received = 0;
                _done.Release();
            }
        };
        LoopbackPeers.Exchange(sender, receiver).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        _channel = sender.CreateDataChannel("bench");
        _channel.Opened += _ => opened.TrySetResult();
        _channel.BufferedAmountLowThreshold = 1024 * 1024;
        _channel.BufferedAmountLow += _ => _low.Release();
        opened.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        _message = new byte[MessageSize];
        Random.Shared.NextBytes(_message);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _low.Dispose();
        _done.Dispose();
    }

    /// <summary>One op = 8 MiB delivered (8192 messages of 1 KiB or 128 of 64 KiB): MB/s = 8.39 / mean in seconds.</summary>
    [Benchmark]
    public void Send8MiB()
    {
        RtcDataChannel channel = _channel!;
        for (int i = 0; i < Count; i++)
        {
            while (channel.BufferedAmount >= HighWater)
            {
                // Drain stale releases, then re-check before sleeping.
                while (_low.Wait(0))
                {
                }

                if (channel.BufferedAmount >= HighWater && !_low.Wait(10_000))
                {
                    throw new TimeoutException("no BufferedAmountLow within 10 s");
                }
            }

            if (channel.Send(_message) != Transport.WebRtc.DataChannels.DataChannelSendResult.Ok)
            {
                throw new InvalidOperationException("send refused");
            }
        }

        if (!_done.Wait(30_000))
        {
            throw new TimeoutException("not all bytes arrived");
        }
    }
}
