using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Playwright;
using RtcScamp.Bench.Browser;
using RtcScamp.Bench.PeerConnections;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.DataChannels;

/// <summary>
/// The reverse of <see cref="ChromiumDataChannelThroughputBenchmark"/>: 20 MB from our PeerConnection to
/// Chromium (same namespace setup, same sizes), sent the way the page sends — pause while
/// <see cref="RtcDataChannel.BufferedAmount"/> is above 4 MiB, resume on BufferedAmountLow (threshold
/// 1 MiB) — to the page's counting receiver (<see cref="ChromiumStreaming.Receiver"/>), which answers
/// "done"; one op = our first Send to that reply. Next to the other two it separates our sending path
/// from our receiving path. MB/s = 20 / mean in seconds. Needs Linux, root, `ip` and /usr/bin/chromium.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ChromiumFromDotnetThroughputBenchmark
{
    private const long HighWater = 4L << 20;
    private readonly NodeIdentity _identity = NodeIdentity.Generate();
    private readonly SemaphoreSlim _low = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private ChromiumInNamespace? _chromium;
    private IPage? _page;
    private WebRtcUdpDriver? _driver;
    private RtcDataChannel? _channel;
    private byte[] _message = [];

    /// <summary>Bytes per <see cref="RtcDataChannel.Send(ReadOnlySpan{byte})"/> call.</summary>
    [Params(1024, 65536)]
    public int MessageSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chromium = ChromiumInNamespace.Start("e");
        _page = _chromium.Browser.NewPageAsync().GetAwaiter().GetResult();
        _driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(_chromium.HostAddress), 0));
        ConnectAsync().GetAwaiter().GetResult();
        _message = new byte[MessageSize];
        for (int i = 0; i < _message.Length; i++)
        {
            _message[i] = (byte)((uint)(i * unchecked((int)0x9E3779B1)) >> 24);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _driver?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _chromium?.Dispose();
        _low.Dispose();
        _done.Dispose();
    }

    [Benchmark]
    public void DotnetToChromium20MB()
    {
        RtcDataChannel channel = _channel!;
        for (int offset = 0; offset < ChromiumStreaming.Total;)
        {
            while (channel.BufferedAmount > HighWater)
            {
                // Drop stale releases, then re-check before sleeping (BufferedAmountLow may already have fired).
                while (_low.Wait(0))
                {
                }

                if (channel.BufferedAmount > HighWater && !_low.Wait(10_000))
                {
                    throw new TimeoutException("no BufferedAmountLow within 10 s");
                }
            }

            int n = Math.Min(_message.Length, ChromiumStreaming.Total - offset);
            if (channel.Send(_message.AsSpan(0, n)) != DataChannelSendResult.Ok)
            {
                throw new InvalidOperationException("send refused");
            }

            offset += n;
        }

        if (!_done.Wait(60_000))
        {
            throw new TimeoutException("no \"done\" from the page within 60 s");
        }
    }

    private async Task ConnectAsync()
    {
        PeerConnection ours = _driver!.CreatePeerConnection(_identity);
        Task connected = LoopbackPeers.Connected(ours);
        var incoming = new TaskCompletionSource<RtcDataChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        ours.IncomingDataChannel += c =>
        {
            c.BufferedAmountLowThreshold = 1 << 20;
            c.BufferedAmountLow += _ => _low.Release();
            c.MessageReceived += (_, m, isText) =>
            {
                if (isText && m.SequenceEqual("done"u8))
                {
                    _done.Release();
                }
            };
            incoming.TrySetResult(c);
        };
        await _page!.EvaluateAsync(ChromiumStreaming.Gathering);
        await _page.EvaluateAsync(ChromiumStreaming.Receiver, ChromiumStreaming.Total);
        string offerSdp = await _page.EvaluateAsync<string>("""
            async () => {
              window.pc = new RTCPeerConnection();
              countAndReply(window.fromDotnet = pc.createDataChannel('bulk'));
              await pc.setLocalDescription(await pc.createOffer());
              await gathered(pc);
              return pc.localDescription.sdp;
            }
            """);
        string answerSdp = ChromiumStreaming.AnswerBrowserOffer(ours, offerSdp);

        await _page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answerSdp);
        await connected.WaitAsync(TimeSpan.FromSeconds(20));
        _channel = await incoming.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await _page.WaitForFunctionAsync("() => fromDotnet.readyState === 'open'", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 5 });
    }
}
