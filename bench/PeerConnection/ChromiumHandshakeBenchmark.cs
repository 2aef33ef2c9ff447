using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Playwright;
using RtcScamp.Bench.Browser;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Bench.PeerConnections;

/// <summary>
/// C#↔Chromium handshake: Chromium (Debian's /usr/bin/chromium, headless, in a network namespace
/// joined by a veth pair, as in tests/Interop) offers a data channel, we answer through the compact
/// string, and the operation ends when Chromium's connectionState is "connected" and our side raised
/// Connected. Wall time includes Playwright's round trips to the page (create offer, set answer,
/// poll the state every 5 ms). Needs root, `ip` and /usr/bin/chromium; throws otherwise.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 15)]
public class ChromiumHandshakeBenchmark
{
    private readonly NodeIdentity _identity = NodeIdentity.Generate();
    private ChromiumInNamespace? _chromium;
    private IPage? _page;
    private WebRtcUdpDriver? _driver;

    [GlobalSetup]
    public void Setup()
    {
        _chromium = ChromiumInNamespace.Start("b");
        _page = _chromium.Browser.NewPageAsync().GetAwaiter().GetResult();
        _driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(_chromium.HostAddress), 0));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _driver?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _chromium?.Dispose();
    }

    [Benchmark]
    public async Task ChromiumOffersToBothConnected()
    {
        PeerConnection ours = _driver!.CreatePeerConnection(_identity);
        Task connected = LoopbackPeers.Connected(ours);
        string offerSdp = await _page!.EvaluateAsync<string>("""
            async () => {
              if (window.pc) window.pc.close();
              window.pc = new RTCPeerConnection();
              pc.createDataChannel('x');
              await pc.setLocalDescription(await pc.createOffer());
              return pc.localDescription.sdp;
            }
            """);
        if (SdpParser.TryParse(offerSdp, out SessionDescription? offer, out _) != SdpParseResult.Ok
            || CompactSignaling.TryCompact(offer!, out SignalingBlob blob, out _, out string error) != CompactResult.Ok
            || !ours.TryAcceptOffer(blob.Encode(), out string? answer, out error)
            || SignalingBlob.TryDecode(answer, out SignalingBlob answerBlob, out error) != SignalingDecodeResult.Ok)
        {
            throw new InvalidOperationException("signaling failed");
        }

        string answerSdp = (CompactSignaling.Expand(answerBlob) with { Mid = offer!.Mid }).ToString();
        await _page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answerSdp);
        await _page.WaitForFunctionAsync("() => pc.connectionState === 'connected'", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 5 });
        await connected.WaitAsync(TimeSpan.FromSeconds(20));
        ours.Close();
    }
}
