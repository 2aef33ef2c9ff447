using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Playwright;
using RtcScamp.Bench.Browser;

namespace RtcScamp.Bench.DataChannels;

/// <summary>
/// The Chromium↔Chromium baseline for <see cref="ChromiumDataChannelThroughputBenchmark"/>: the same
/// sender page script (<see cref="ChromiumStreaming.Sender"/>, same sizes, same flow control, same
/// "done" reply ending the op), but the receiver is a second RTCPeerConnection in another page of
/// the same browser (its own browser context, so its own renderer process, as a remote tab would
/// be) instead of our PeerConnection. Both pages run in the namespace, so ICE pairs the veth
/// address with itself and the packets go through the namespace's loopback; the offer and answer
/// are passed between the pages after gathering completes. MB/s = 20 / mean in seconds.
/// Needs Linux, root, `ip` and /usr/bin/chromium.
/// </summary>
/// <remarks>
/// Why an earlier in-page attempt never opened its channel: its namespace had no default route, and
/// then Chromium signals no candidate at all (its only local candidates sit on 0.0.0.0/:: ports; the
/// address it signals comes from the default route), so ICE has no pair.
/// <see cref="RtcScamp.Interop.TestNetwork"/> adds the default route via the host end and brings `lo`
/// up (the pair is the veth address with itself, delivered through `lo`), so the baseline connects.
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ChromiumToChromiumThroughputBenchmark
{
    private ChromiumInNamespace? _chromium;
    private IPage? _sender;
    private IPage? _receiver;

    /// <summary>Bytes per <c>send</c> call; the same sizes as the Chromium→C# benchmark.</summary>
    [Params(1024, 65536)]
    public int MessageSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chromium = ChromiumInNamespace.Start("c");
        ConnectAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _chromium?.Dispose();

    [Benchmark]
    public Task ChromiumToChromium20MB() =>
        _sender!.EvaluateAsync("size => stream(dc, " + ChromiumStreaming.Total + ", size)", MessageSize);

    private async Task ConnectAsync()
    {
        _sender = await _chromium!.Browser.NewPageAsync();
        _receiver = await _chromium.Browser.NewPageAsync();
        foreach (IPage page in new[] { _sender, _receiver })
        {
            await page.EvaluateAsync(ChromiumStreaming.Gathering);
        }

        await _sender.EvaluateAsync(ChromiumStreaming.Sender);
        await _receiver.EvaluateAsync(ChromiumStreaming.Receiver, ChromiumStreaming.Total);
        string offer = await _sender.EvaluateAsync<string>("""
            async () => {
              window.pc = new RTCPeerConnection();
              window.dc = pc.createDataChannel('bulk');
              await pc.setLocalDescription(await pc.createOffer());
              await gathered(pc);
              return pc.localDescription.sdp;
            }
            """);
        string answer = await _receiver.EvaluateAsync<string>("""
            async sdp => {
              window.pc = new RTCPeerConnection();
              receive(pc);
              await pc.setRemoteDescription({ type: 'offer', sdp });
              await pc.setLocalDescription(await pc.createAnswer());
              await gathered(pc);
              return pc.localDescription.sdp;
            }
            """, offer);
        await _sender.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answer);
        await _sender.WaitForFunctionAsync("() => dc.readyState === 'open'", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 5 });
    }
}
