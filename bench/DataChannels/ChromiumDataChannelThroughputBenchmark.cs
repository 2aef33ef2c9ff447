using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Playwright;
using RtcScamp.Bench.Browser;
using RtcScamp.Bench.PeerConnections;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.DataChannels;

/// <summary>
/// 20 MB over one reliable ordered data channel from Chromium to our PeerConnection (Chromium in a
/// network namespace joined by a veth pair, as in tests/Interop). (A Chromium↔Chromium baseline with
/// two RTCPeerConnections in the page did not connect inside the namespace; not measured here.) The page sends 64 KiB messages under flow control (pauses above 4 MiB
/// bufferedAmount, resumes at bufferedamountlow, threshold 1 MiB); the receiver counts bytes and
/// answers "done" on the channel; one op = the page's promise from first send to "done".
/// MB/s = 20 / mean in seconds. Needs Linux, root, `ip` and /usr/bin/chromium.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ChromiumDataChannelThroughputBenchmark
{
    private const int Total = 20 * 1000 * 1000;

    private const string Sender = """
        window.stream = (dc, total) => new Promise(resolve => {
          const chunk = new Uint8Array(65536);
          for (let i = 0; i < chunk.length; i++) chunk[i] = Math.imul(i, 0x9E3779B1) >>> 24;
          dc.bufferedAmountLowThreshold = 1 << 20;
          dc.onmessage = e => { if (e.data === 'done') resolve(); };
          (async () => {
            for (let off = 0; off < total;) {
              if (dc.bufferedAmount > (4 << 20)) await new Promise(r => dc.onbufferedamountlow = r);
              const n = Math.min(chunk.length, total - off);
              dc.send(n === chunk.length ? chunk : chunk.subarray(0, n)); off += n;
            }
          })();
        });
        """;

    private readonly NodeIdentity _identity = NodeIdentity.Generate();
    private ChromiumInNamespace? _chromium;
    private IPage? _page;
    private WebRtcUdpDriver? _driver;
    private long _received;

    [GlobalSetup]
    public void Setup()
    {
        _chromium = ChromiumInNamespace.Start("d");
        _page = _chromium.Browser.NewPageAsync().GetAwaiter().GetResult();
        _page.EvaluateAsync("() => { " + Sender + " }").GetAwaiter().GetResult();
        _driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(_chromium.HostAddress), 0));
        ConnectAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _driver?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _chromium?.Dispose();
    }

    [Benchmark]
    public Task ChromiumToDotnet20MB() => _page!.EvaluateAsync("total => stream(toDotnet, total)", Total);

    private async Task ConnectAsync()
    {
        PeerConnection ours = _driver!.CreatePeerConnection(_identity);
        Task connected = LoopbackPeers.Connected(ours);
        ours.IncomingDataChannel += c => c.MessageReceived += (ch, m, _) =>
        {
            _received += m.Length;
            if (_received == Total)
            {
                _received = 0;
                ch.Send("done");
            }
        };
        string offerSdp = await _page!.EvaluateAsync<string>("""
            async () => {
              const gathered = pc => new Promise(r => pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
              const within = (p, what) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(what + ' timed out')), 30000))]);
              // Chromium → .NET
              window.pc = new RTCPeerConnection();
              window.toDotnet = pc.createDataChannel('bulk');
              await pc.setLocalDescription(await pc.createOffer());
              await within(gathered(pc), 'gathering pc');
              return pc.localDescription.sdp;
            }
            """);
        if (!BrowserSdp.TryCompact(offerSdp, out string? offer, out string? mid, out string error)
            || !ours.TryAcceptOffer(offer, out string? answer, out error)
            || !BrowserSdp.TryExpand(answer, out string? answerSdp, out error, mid!))
        {
            throw new InvalidOperationException("signaling failed: " + error);
        }

        await _page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answerSdp);
        await connected.WaitAsync(TimeSpan.FromSeconds(20));
        await _page.WaitForFunctionAsync("() => toDotnet.readyState === 'open'", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 5 });
    }
}
